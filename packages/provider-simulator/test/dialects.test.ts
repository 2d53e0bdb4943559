import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Dialect, type Simulator, startSimulator } from '../src/index.js';
import { ask, chat, deltas, joined, type Loose, parseSse } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const fixtureChunks = (dialect: Dialect) =>
  parseSse(
    readFileSync(
      new URL(`../src/__fixtures__/${dialect}/chat-completion.chunks.txt`, import.meta.url),
      'utf8',
    ).replaceAll('\n', '\n\n'),
  );

const models: Record<Dialect, string> = {
  openai: 'gpt-4o',
  glm: 'glm-4.6',
  kimi: 'kimi-k2-0905-preview',
  minimax: 'MiniMax-M2',
};
const lookupTool = {
  type: 'function',
  function: {
    name: 'lookup',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

async function json(response: Response): Promise<Loose> {
  return response.json();
}

describe.each(['glm', 'kimi', 'minimax'] as const)('%s dialect', (dialect) => {
  const model = models[dialect];

  it('answers a chat completion and lists its models', async () => {
    const body = await json(await chat(sim, dialect, ask(model, 'hello')));
    expect(body.model).toBe(model);
    expect(body.choices[0].message.content).toContain('Simulated answer to: hello');
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    const list = await json(await fetch(`${sim.baseURL(dialect)}/models`, { headers: { authorization: 'Bearer k' } }));
    expect(list.data.map((entry: Loose) => entry.id)).toContain(model);
    expect(sim.log.map((attempt) => attempt.dialect)).toEqual([dialect, dialect]);
  });

  it('streams with usage on the last chunk and the fixture envelope', async () => {
    const parsed = parseSse(await (await chat(sim, dialect, ask(model, 'hi there', { stream: true }))).text());
    expect(parsed.done).toBe(true);
    const last = parsed.events.at(-1) as Loose;
    expect(last.usage.total_tokens).toBeGreaterThan(0);
    expect(last.choices[0].finish_reason).toBe('stop');
    const fixtureLast = fixtureChunks(dialect).events.at(-1) as Loose;
    for (const key of Object.keys(fixtureLast)) expect(last).toHaveProperty(key);
  });

  it('makes a tool call and answers the tool result', async () => {
    const first = await json(await chat(sim, dialect, ask(model, 'find cats', { tools: [lookupTool] })));
    const message = first.choices[0].message;
    expect(message.tool_calls[0].function).toEqual({ name: 'lookup', arguments: '{"query":"find cats"}' });
    const second = await json(
      await chat(sim, dialect, {
        model,
        tools: [lookupTool],
        messages: [
          { role: 'user', content: 'find cats' },
          message,
          { role: 'tool', tool_call_id: message.tool_calls[0].id, content: '3 cats' },
        ],
      }),
    );
    expect(second.choices[0].message.content).toContain('Tool results: 3 cats');
  });

  it('uses its own error shape for 401, 429 and 500', async () => {
    const bad = await chat(sim, dialect, ask(model, 'x'), { authorization: 'Bearer bad-key' });
    expect(bad.status).toBe(401);
    const unauthorized = await json(bad);
    const limited = await json(await chat(sim, dialect, ask(`${model}~http-429`, 'x')));
    const failed = await json(await chat(sim, dialect, ask(`${model}~http-500`, 'x')));
    if (dialect === 'glm') {
      expect(unauthorized.error).toEqual({ code: '1000', message: expect.any(String) });
      expect(limited.error.code).toBe('1302');
      expect(failed.error.code).toBe('500');
    } else if (dialect === 'kimi') {
      expect(unauthorized.error).toEqual({ type: 'invalid_authentication_error', message: expect.any(String) });
      expect(limited.error.type).toBe('rate_limit_reached_error');
      expect(failed.error.type).toBe('server_error');
    } else {
      expect(unauthorized.base_resp).toEqual({ status_code: 1004, status_msg: expect.any(String) });
      expect(limited.base_resp.status_code).toBe(1002);
      expect(failed.base_resp.status_code).toBe(1000);
    }
  });

  it('spells context-length and content-filter its own way', async () => {
    const length = await json(await chat(sim, dialect, ask(`${model}~context-length`, 'x')));
    const filter = await json(await chat(sim, dialect, ask(`${model}~content-filter`, 'x')));
    const expected = {
      glm: [
        { error: { code: '1261' } },
        { error: { code: '1301', message: 'Simulated content filter: unsafe content' } },
      ],
      kimi: [
        { error: { type: 'invalid_request_error' } },
        { error: { type: 'content_filter', message: 'Simulated content filter: unsafe content' } },
      ],
      minimax: [
        { base_resp: { status_code: 1039 } },
        { base_resp: { status_code: 1026, status_msg: 'Simulated content filter: unsafe content' } },
      ],
    }[dialect];
    expect(length).toMatchObject(expected[0]!);
    expect(filter).toMatchObject(expected[1]!);
  });
});

describe('glm specifics', () => {
  it('reasons by default and not with thinking disabled', async () => {
    const parsed = parseSse(await (await chat(sim, 'glm', ask('glm-4.6', 'why', { stream: true }))).text());
    expect(joined(parsed.events, 'reasoning_content')).toBe('Thinking about: why');
    const off = await json(await chat(sim, 'glm', ask('glm-4.6', 'why', { thinking: { type: 'disabled' } })));
    expect(off.choices[0].message.reasoning_content).toBeUndefined();
  });

  it('rejects tool_choice other than auto with 1214', async () => {
    const response = await chat(sim, 'glm', ask('glm-4.6', 'x', { tools: [lookupTool], tool_choice: 'required' }));
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe('1214');
    expect((await chat(sim, 'glm', ask('glm-4.6', 'x', { tools: [lookupTool], tool_choice: 'auto' }))).status).toBe(
      200,
    );
  });

  it('returns a top-level web_search array when the web_search tool is on', async () => {
    const tool = { type: 'web_search', web_search: { enable: true, search_engine: 'search_pro', search_result: true } };
    const body = await json(await chat(sim, 'glm', ask('glm-4.6', 'news today', { tools: [tool] })));
    expect(body.web_search).toHaveLength(3);
    expect(Object.keys(body.web_search[0]).sort()).toEqual([
      'content',
      'icon',
      'link',
      'media',
      'publish_date',
      'refer',
      'title',
    ]);
    expect(body.choices[0].message.content).toContain('news today');
  });

  it('serves POST /web_search', async () => {
    const response = await fetch(`${sim.baseURL('glm')}/web_search`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ search_query: 'vitest', search_engine: 'search_std', count: 4 }),
    });
    const body = await json(response);
    expect(body).toMatchObject({ id: expect.any(String), created: expect.any(Number) });
    expect(body.search_result).toHaveLength(4);
    expect(body.search_result[0].title).toContain('vitest');
    expect(sim.log[0]?.body).toMatchObject({ search_query: 'vitest' });
  });

  it('serves the coding-plan base path', async () => {
    const response = await fetch(`${sim.baseURL('glm', { codingPlan: true })}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify(ask('glm-4.6', 'x')),
    });
    expect(response.status).toBe(200);
  });
});

describe('kimi specifics', () => {
  it('rejects temperature outside [0, 1]', async () => {
    const response = await chat(sim, 'kimi', ask('kimi-k2-0905-preview', 'x', { temperature: 1.5 }));
    expect(response.status).toBe(400);
    expect((await json(response)).error.type).toBe('invalid_request_error');
    expect((await chat(sim, 'kimi', ask('kimi-k2-0905-preview', 'x', { temperature: 1 }))).status).toBe(200);
  });

  it('streams reasoning for thinking models and puts usage in the final choice', async () => {
    const parsed = parseSse(await (await chat(sim, 'kimi', ask('kimi-k2-thinking', 'plan', { stream: true }))).text());
    expect(joined(parsed.events, 'reasoning_content')).toBe('Thinking about: plan');
    expect((parsed.events.at(-1) as Loose).choices[0].usage.total_tokens).toBeGreaterThan(0);
  });

  it('plays the $web_search builtin round trip', async () => {
    const tools = [{ type: 'builtin_function', function: { name: '$web_search' } }];
    const first = await json(await chat(sim, 'kimi', ask('kimi-k2-0905-preview', 'weather in Oslo', { tools })));
    const call = first.choices[0].message.tool_calls[0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'builtin_function', function: { name: '$web_search' } });
    const second = await json(
      await chat(sim, 'kimi', {
        model: 'kimi-k2-0905-preview',
        tools,
        messages: [
          { role: 'user', content: 'weather in Oslo' },
          first.choices[0].message,
          { role: 'tool', tool_call_id: call.id, name: '$web_search', content: call.function.arguments },
        ],
      }),
    );
    expect(second.choices[0].finish_reason).toBe('stop');
    expect(second.choices[0].message.content).toBe(`Tool results: ${call.function.arguments}`);
  });
});

describe('minimax specifics', () => {
  it('puts <think> in content by default', async () => {
    const body = await json(await chat(sim, 'minimax', ask('MiniMax-M2', 'why')));
    expect(body.choices[0].message.content).toBe('<think>\nThinking about: why\n</think>\n\nSimulated answer to: why');
    expect(body.base_resp).toEqual({ status_code: 0, status_msg: '' });
    const streamed = parseSse(await (await chat(sim, 'minimax', ask('MiniMax-M2', 'why', { stream: true }))).text());
    expect(joined(streamed.events, 'content')).toBe(
      '<think>\nThinking about: why\n</think>\n\nSimulated answer to: why',
    );
  });

  it('splits reasoning into reasoning_details with reasoning_split', async () => {
    const body = await json(await chat(sim, 'minimax', ask('MiniMax-M2', 'why', { reasoning_split: true })));
    const message = body.choices[0].message;
    expect(message.content).toBe('Simulated answer to: why');
    expect(message.reasoning_details).toEqual([
      {
        type: 'reasoning.text',
        id: 'reasoning-text-1',
        format: 'MiniMax-response-v1',
        index: 0,
        text: 'Thinking about: why',
      },
    ]);
    const streamed = parseSse(
      await (await chat(sim, 'minimax', ask('MiniMax-M2', 'why', { reasoning_split: true, stream: true }))).text(),
    );
    const text = deltas(streamed.events)
      .flatMap((delta) => delta.reasoning_details ?? [])
      .map((detail: Loose) => detail.text)
      .join('');
    expect(text).toBe('Thinking about: why');
    expect(joined(streamed.events, 'content')).toBe('Simulated answer to: why');
  });

  it('rejects temperature outside (0, 1] and records max_completion_tokens', async () => {
    const zero = await chat(sim, 'minimax', ask('MiniMax-M2', 'x', { temperature: 0 }));
    expect(zero.status).toBe(400);
    expect((await json(zero)).base_resp.status_code).toBe(2013);
    await chat(sim, 'minimax', ask('MiniMax-M2', 'x', { temperature: 1, max_completion_tokens: 64 }));
    expect(sim.log[1]).toMatchObject({ status: 200, body: { max_completion_tokens: 64 } });
  });
});
