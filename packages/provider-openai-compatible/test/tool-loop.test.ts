import { createBreakerRegistry } from '@exai/circuit-breakers';
import type { ChatRequest, ChatResponse, ProviderAdapter, ToolCall } from '@exai/core';
import { createSessionManager } from '@exai/session-manager';
import { describe, expect, it } from 'vitest';
import { runToolLoop, ToolLoopLimitError, type ToolLoopTool } from '../src/index.js';
import { adapterFor, settled, useSimulator } from './setup.js';

const context = useSimulator();

const lookup: ToolLoopTool = {
  name: 'lookup',
  description: 'Look something up',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  handler: (args) => `found ${String(args.query)}`,
};

/** A scripted adapter for shapes the simulator does not produce (built-ins, endless tool calls). */
function scriptedAdapter(
  reply: (request: ChatRequest, step: number) => { content?: string; calls?: ToolCall[]; reasoning?: string },
) {
  const requests: ChatRequest[] = [];
  const adapter = {
    id: 'scripted',
    kind: 'openai-compatible',
    baseURL: 'memory://',
    chat: async (request: ChatRequest): Promise<ChatResponse> => {
      requests.push(structuredClone(request));
      const answer = reply(request, requests.length - 1);
      return {
        id: `r${requests.length}`,
        object: 'chat.completion',
        created: 0,
        model: request.model,
        provider: 'scripted',
        choices: [
          {
            index: 0,
            finish_reason: answer.calls ? 'tool_calls' : 'stop',
            message: {
              role: 'assistant',
              content: answer.content ?? null,
              ...(answer.calls ? { tool_calls: answer.calls } : {}),
              ...(answer.reasoning ? { reasoning_content: answer.reasoning } : {}),
            },
          },
        ],
      };
    },
  } as unknown as ProviderAdapter;
  return { adapter, requests };
}

const call = (id: string, name: string, args: string): ToolCall => ({
  id,
  type: 'function',
  function: { name, arguments: args },
});

/** The request of the scripted-adapter tests. */
const go: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'go' }] };

describe('runToolLoop', () => {
  it('runs a tool-call round trip against the simulator', async () => {
    const adapter = adapterFor(context.sim);
    const result = await runToolLoop({
      adapter,
      request: { model: 'gpt-test', messages: [{ role: 'user', content: 'cats' }] },
      tools: [lookup],
    });
    expect(result.steps).toBe(2);
    expect(result.response.choices[0]?.message.content).toBe('Tool results: found cats');
    expect(result.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const second = context.sim.log[1]?.body as { messages: Array<{ role: string; tool_call_id?: string }> };
    expect(second.messages[2]).toMatchObject({ role: 'tool' });
    expect(second.messages[2]?.tool_call_id).toBe(result.messages[1]?.tool_calls?.[0]?.id);
  });

  it('runs parallel tool calls concurrently', async () => {
    const adapter = adapterFor(context.sim);
    let running = 0;
    let peak = 0;
    const slow: ToolLoopTool = {
      ...lookup,
      handler: async (args) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 40));
        running -= 1;
        return { query: args.query };
      },
    };
    const result = await runToolLoop({
      adapter,
      request: { model: 'gpt-test', messages: [{ role: 'user', content: 'parallel please' }] },
      tools: [slow],
    });
    expect(result.messages.filter((message) => message.role === 'tool')).toHaveLength(2);
    expect(peak).toBe(2);
  });

  it('feeds unknown tools, bad arguments, handler errors and timeouts back to the model', async () => {
    const { adapter, requests } = scriptedAdapter((_request, step) =>
      step === 0
        ? {
            calls: [
              call('a', 'missing', '{}'),
              call('b', 'lookup', '{not json'),
              call('c', 'explode', '{}'),
              call('d', 'hang', '{}'),
            ],
          }
        : { content: 'done' },
    );
    const tools: ToolLoopTool[] = [
      lookup,
      {
        name: 'explode',
        handler: () => {
          throw new Error('kaboom');
        },
      },
      {
        name: 'hang',
        handler: (_args, { signal }) =>
          new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      },
    ];
    const result = await runToolLoop({
      adapter,
      request: go,
      tools,
      toolTimeoutMs: 50,
    });
    expect(result.response.choices[0]?.message.content).toBe('done');
    const results = requests[1]!.messages
      .filter((message) => message.role === 'tool')
      .map((message) => (JSON.parse(String(message.content)) as { error: string }).error);
    expect(results[0]).toContain('Unknown tool "missing"');
    expect(results[1]).toContain('Invalid arguments for lookup');
    expect(results[2]).toContain('kaboom');
    expect(results[3]).toContain('timed out after 50 ms');
  });

  it('echoes provider built-ins ($web_search) and keeps reasoning_content in the history', async () => {
    const args = '{"search_result":{"search_id":"s1"},"usage":{"total_tokens":12}}';
    const { adapter, requests } = scriptedAdapter((_request, step) =>
      step === 0
        ? {
            reasoning: 'I should search',
            calls: [{ id: 'w', type: 'builtin_function', function: { name: '$web_search', arguments: args } }],
          }
        : { content: 'answer' },
    );
    await runToolLoop({
      adapter,
      request: {
        model: 'kimi',
        messages: [{ role: 'user', content: 'news?' }],
        tools: [{ type: 'builtin_function', function: { name: '$web_search' } }],
      },
      tools: [],
    });
    const history = requests[1]!.messages;
    expect(history[1]).toMatchObject({ role: 'assistant', reasoning_content: 'I should search' });
    expect(history[1]?.tool_calls?.[0]?.function.name).toBe('$web_search');
    expect(history[2]).toMatchObject({ role: 'tool', tool_call_id: 'w', content: args });
    expect(requests[1]!.tools).toEqual([{ type: 'builtin_function', function: { name: '$web_search' } }]);
  });

  it('cancelling the loop while a tool runs aborts the tool and rejects with cancelled', async () => {
    const { adapter } = scriptedAdapter(() => ({ calls: [call('s', 'slow', '{}')] }));
    const controller = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const slow: ToolLoopTool = {
      name: 'slow',
      handler: (_args, { signal }) => {
        toolSignal = signal;
        setTimeout(() => controller.abort(), 10);
        return new Promise(() => {});
      },
    };
    const error = await runToolLoop({
      adapter,
      request: go,
      tools: [slow],
      signal: controller.signal,
    }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'cancelled' });
    expect(toolSignal?.aborted).toBe(true);
  });

  it('stops at the step limit with a clear error, or asks for a final answer', async () => {
    const forever = () =>
      scriptedAdapter((request) =>
        request.tool_choice === 'none'
          ? { content: 'final' }
          : { calls: [call(`x${Math.random()}`, 'lookup', '{"query":"again"}')] },
      );
    const first = forever();
    const error = await runToolLoop({ adapter: first.adapter, request: go, tools: [lookup], maxSteps: 3 }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ToolLoopLimitError);
    expect((error as ToolLoopLimitError).steps).toBe(3);
    expect(first.requests).toHaveLength(3);

    const second = forever();
    const finalAnswer = { onStepLimit: 'final-answer' as const, maxSteps: 2 };
    const result = await runToolLoop({ adapter: second.adapter, request: go, tools: [lookup], ...finalAnswer });
    expect(result.response.choices[0]?.message.content).toBe('final');
    expect(result.steps).toBe(3);
  });

  it('routes every step through the execute wrapper (real @exai/session-manager and @exai/circuit-breakers)', async () => {
    const adapter = adapterFor(context.sim);
    const sessions = createSessionManager({ perProvider: 2, defaultTimeoutMs: 5_000 });
    const breakers = createBreakerRegistry({ defaults: { volumeThreshold: 2, resetTimeoutMs: 60_000 } });
    const seen: number[] = [];
    const execute = (
      step: { index: number; request: ChatRequest },
      run: (signal?: AbortSignal) => Promise<ChatResponse>,
    ) => {
      seen.push(step.index);
      const breaker = breakers.get(`${adapter.id}/${step.request.model}`);
      return sessions.run(({ signal }) => breaker.execute(() => run(signal)), {
        provider: adapter.id,
        model: step.request.model,
        conversationId: 'c1',
      });
    };
    try {
      const result = await runToolLoop({
        adapter,
        request: { model: 'gpt-test', messages: [{ role: 'user', content: 'dogs' }] },
        tools: [lookup],
        execute,
      });
      expect(result.response.choices[0]?.message.content).toBe('Tool results: found dogs');
      expect(seen).toEqual([0, 1]);
      expect(sessions.metrics().totals.completed).toBe(2);
      expect(breakers.get('testprov/gpt-test').snapshot()).toMatchObject({ state: 'closed', successes: 2 });

      // Upstream 503s count against the breaker until it opens; then steps fail fast without reaching the upstream.
      const failing = { model: 'gpt-down~http-503', messages: [{ role: 'user' as const, content: 'x' }] };
      for (let attempt = 0; attempt < 2; attempt += 1) {
        await expect(runToolLoop({ adapter, request: failing, tools: [lookup], execute })).rejects.toMatchObject({
          code: 'overloaded',
        });
      }
      const before = context.sim.log.length;
      await expect(runToolLoop({ adapter, request: failing, tools: [lookup], execute })).rejects.toMatchObject({
        code: 'circuit_open',
      });
      expect(context.sim.log.length).toBe(before);
    } finally {
      await breakers.close();
    }
  });

  it('a session timeout aborts the step and reaches the upstream as a hang-up', async () => {
    const adapter = adapterFor(context.sim);
    const sessions = createSessionManager({ defaultTimeoutMs: 100 });
    const error = await runToolLoop({
      adapter,
      request: { model: 'gpt-test~no-response', messages: [{ role: 'user', content: 'x' }] },
      tools: [lookup],
      execute: (_step, run) => sessions.run(({ signal }) => run(signal), { provider: adapter.id }),
    }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'timeout' });
    await settled(context.sim);
    expect(context.sim.log[0]?.clientHungUp).toBe(true);
  });
});
