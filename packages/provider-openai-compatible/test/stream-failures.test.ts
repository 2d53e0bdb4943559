import { type ChatChunk, GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { adapterFor, settled, useSimulator } from './setup.js';

const context = useSimulator();
const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'tell me a long story' }] });

async function consume(iterable: AsyncIterable<ChatChunk>, onChunk?: (chunk: ChatChunk, count: number) => void) {
  const chunks: ChatChunk[] = [];
  try {
    for await (const chunk of iterable) {
      chunks.push(chunk);
      onChunk?.(chunk, chunks.length);
    }
  } catch (error) {
    if (!GatewayError.isInstance(error)) throw error;
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

describe('streams never end silently truncated', () => {
  it('a cut connection raises stream_interrupted after the chunks that arrived', async () => {
    const adapter = adapterFor(context.sim);
    const { chunks, error } = await consume(adapter.stream(ask('gpt-test~stream-cut?after=2')));
    expect(error).toMatchObject({ code: 'stream_interrupted', provider: 'testprov', isProviderFault: true });
    expect(chunks.length).toBeGreaterThan(0);
  });

  it('a malformed chunk raises stream_interrupted', async () => {
    const adapter = adapterFor(context.sim);
    const { error } = await consume(adapter.stream(ask('gpt-test~malformed-chunk?after=2')));
    expect(error?.code).toBe('stream_interrupted');
    expect(error?.message).toContain('malformed');
  });

  it('a stalled stream aborted by the caller raises cancelled and hangs up', async () => {
    const adapter = adapterFor(context.sim);
    const controller = new AbortController();
    const { chunks, error } = await consume(
      adapter.stream(ask('gpt-test~stream-stall?after=2'), { signal: controller.signal }),
      (_chunk, count) => {
        if (count === 2) setTimeout(() => controller.abort(), 30);
      },
    );
    expect(chunks.length).toBe(2);
    expect(error?.code).toBe('cancelled');
    await settled(context.sim);
    expect(context.sim.log[0]?.clientHungUp).toBe(true);
  });

  it('a stream without [DONE] completes when a finish_reason was seen', async () => {
    const adapter = adapterFor(context.sim);
    const { chunks, error } = await consume(adapter.stream(ask('gpt-test~missing-done')));
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      'Simulated answer to: tell me a long story',
    );
    expect(chunks.at(-1)?.usage).toBeDefined();
  });

  it('a body that ends with no finish_reason raises stream_interrupted', async () => {
    const body =
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\n\n';
    const truncated: typeof fetch = async () =>
      new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    const adapter = adapterFor(context.sim, { fetch: truncated });
    const { chunks, error } = await consume(adapter.stream(ask('gpt-test')));
    expect(chunks).toHaveLength(1);
    expect(error?.code).toBe('stream_interrupted');
  });

  it('breaking out of the iteration tears down the connection', async () => {
    const adapter = adapterFor(context.sim);
    for await (const _chunk of adapter.stream(ask('gpt-test~stream-stall?after=2'))) break;
    await settled(context.sim);
    expect(context.sim.log[0]).toMatchObject({ clientHungUp: true });
    expect(context.sim.log[0]?.durationMs).not.toBeNull();
  });

  it('a slow first token still streams (no SDK timeout of its own)', async () => {
    const adapter = adapterFor(context.sim);
    const { error, chunks } = await consume(adapter.stream(ask('gpt-test~slow-first-token?ms=200')));
    expect(error).toBeUndefined();
    expect(chunks.length).toBeGreaterThan(1);
  });
});
