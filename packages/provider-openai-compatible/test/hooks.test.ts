import type { ChatChunk } from '@exai/core';
import { describe, expect, it } from 'vitest';
import type { ChunkTransformer } from '../src/index.js';
import { adapterFor, useSimulator } from './setup.js';

const context = useSimulator();
const ask = (model: string, content = 'hooks') => ({
  model,
  messages: [{ role: 'user' as const, content }],
  temperature: 1.7,
});

describe('provider hooks', () => {
  it('transformRequest shapes the body that reaches the upstream, with the resolved model in context', async () => {
    const seen: string[] = [];
    const adapter = adapterFor(context.sim, {
      transformRequest: (body, request) => {
        seen.push(`${request.model.id}:${request.stream}`);
        const { stream_options: _drop, ...rest } = body;
        return { ...rest, temperature: Math.min(Number(body.temperature), 1) };
      },
    });
    await adapter.chat(ask('tester'));
    for await (const _chunk of adapter.stream(ask('tester'))) {
      // drain
    }
    expect(seen).toEqual(['gpt-test:false', 'gpt-test:true']);
    const bodies = context.sim.log.map((attempt) => attempt.body as Record<string, unknown>);
    expect(bodies.map((body) => body.temperature)).toEqual([1, 1]);
    expect(bodies[1]).not.toHaveProperty('stream_options');
  });

  it('transformResponse refines the normalized response with the raw body at hand', async () => {
    const adapter = adapterFor(context.sim, {
      transformResponse: (raw, response) => ({
        ...response,
        citations: [{ url: `https://example.com/${String(raw.id)}` }],
      }),
    });
    const response = await adapter.chat(ask('gpt-test'));
    expect(response.citations?.[0]?.url).toBe(`https://example.com/${response.id}`);
  });

  it('a fresh chunk transformer per stream; it may split, drop and flush chunks', async () => {
    let created = 0;
    const adapter = adapterFor(context.sim, {
      createChunkTransformer: () => {
        created += 1;
        let characters = 0;
        let last: ChatChunk | undefined;
        const transform: ChunkTransformer = (_raw, chunk) => {
          last = chunk;
          characters += chunk.choices[0]?.delta.content?.length ?? 0;
          return chunk.choices[0]?.delta.content ? [chunk] : [];
        };
        transform.flush = () =>
          last
            ? [{ ...last, choices: [{ index: 0, delta: { content: `[${characters}]` }, finish_reason: null }] }]
            : [];
        return transform;
      },
    });
    const text = async () => {
      let result = '';
      for await (const chunk of adapter.stream(ask('gpt-test', 'abc'))) result += chunk.choices[0]?.delta.content ?? '';
      return result;
    };
    expect(await text()).toBe('Simulated answer to: abc[24]');
    expect(await text()).toBe('Simulated answer to: abc[24]');
    expect(created).toBe(2);
  });

  it('an error event inside a 200 stream is mapped, not swallowed', async () => {
    const body =
      'data: {"id":"x","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n' +
      'data: {"error":{"message":"Rate limit reached for requests","type":"rate_limit_error","code":"rate_limit_exceeded"}}\n\n';
    const adapter = adapterFor(context.sim, {
      fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    });
    const chunks: ChatChunk[] = [];
    const error = await (async () => {
      for await (const chunk of adapter.stream(ask('gpt-test'))) chunks.push(chunk);
    })().catch((thrown: unknown) => thrown);
    expect(chunks).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'rate_limited',
      provider: 'testprov',
      message: 'testprov: Rate limit reached for requests',
    });
  });
});
