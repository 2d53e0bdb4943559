import { GatewayError } from '@exai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ask, collect, hits, setup } from './helpers.js';

let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

/** A fresh engine whose `model-a` plays `scenario`, asked once: the answer, and when the request started. */
async function chatThrough(scenario: string) {
  env = await setup();
  env.sim.script('model-a', scenario);
  const started = Date.now();
  return { result: await env.engine.chat(ask('model-a')), started };
}

describe('fail-over matrix (non-streaming)', () => {
  it('429 with Retry-After: waits as told on the same provider, then succeeds', async () => {
    const { result, started } = await chatThrough('fail-times?n=1&status=429');
    expect(result.exai.provider).toBe('primary');
    const times = hits(env.sim, 'model-a').map((attempt) => attempt.arrivedAt);
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('429 that never ends: backs off, then the fallback answers; never more than 4 attempts in 3 s', async () => {
    const { result, started } = await chatThrough('http-429?retry_after=1');
    expect(result.exai.provider).toBe('backup');
    expect(result.model).toBe('model-b');
    const all = env.sim.log.filter((attempt) => attempt.arrivedAt - started < 3_000);
    expect(all.length).toBeLessThanOrEqual(4);
    expect(hits(env.sim, 'model-a').length).toBeGreaterThanOrEqual(2);
  });

  it('500 once: a same-provider retry succeeds', async () => {
    const { result } = await chatThrough('http-500-once');
    expect(result.exai.provider).toBe('primary');
    expect(result.exai.attempts.map((attempt) => attempt.outcome)).toEqual(['server', 'ok']);
    expect(result.exai.fellBack).toBe(false);
  });

  it('503 that never ends: the fallback answers and the response names its model and usage', async () => {
    const { result } = await chatThrough('http-503');
    expect(result.model).toBe('model-b');
    expect(result.provider).toBe('backup');
    expect(result.exai.fellBack).toBe(true);
    expect(result.usage?.total_tokens).toBeGreaterThan(0);
    expect(result.exai.attempts.at(-1)).toMatchObject({ provider: 'backup', model: 'model-b', outcome: 'ok' });
  });

  it('reset before headers: retried, then served', async () => {
    const { result } = await chatThrough('reset-before-headers');
    expect(result.provider).toBe('backup');
    expect(result.exai.attempts[0]?.outcome).toBe('network');
  });

  it('no response at all: falls over after the first timeout and ends inside the budget', async () => {
    const { result, started } = await chatThrough('no-response');
    expect(result.provider).toBe('backup');
    expect(hits(env.sim, 'model-a')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_500);
    await expect.poll(() => hits(env.sim, 'model-a')[0]?.clientHungUp).toBe(true);
  });

  it('context length: no same-model retry; a clean error with the provider reason', async () => {
    env = await setup({ fallbacks: {} });
    env.sim.script('model-a', 'context-length');
    const error = await env.engine.chat(ask('model-a')).catch((caught: unknown) => caught);
    expect(GatewayError.isInstance(error) && error.code).toBe('context_length');
    expect(hits(env.sim, 'model-a')).toHaveLength(1);
  });

  it('context length goes to a larger-context model when one is configured', async () => {
    env = await setup({ fallbacks: { 'model-a': ['backup/model-b', 'backup/model-big'] } });
    env.sim.script('model-a', 'context-length');
    const result = await env.engine.chat(ask('model-a'));
    expect(result.model).toBe('model-big');
    expect(hits(env.sim, 'model-b')).toHaveLength(0);
  });

  it('content filter: no retry, no fail-over, the provider reason reaches the caller', async () => {
    env = await setup();
    env.sim.script('model-a', 'content-filter');
    const error = await env.engine.chat(ask('model-a')).catch((caught: unknown) => caught);
    expect(GatewayError.isInstance(error) && error.code).toBe('content_filter');
    expect((error as Error).message).toContain('Simulated content filter');
    expect(hits(env.sim, 'model-a')).toHaveLength(1);
    expect(hits(env.sim, 'model-b')).toHaveLength(0);
  });

  it('a flapping primary: served by the fallback while down, back on the primary soon after it recovers', async () => {
    env = await setup();
    env.sim.script('model-a', 'http-503');
    for (let index = 0; index < 4; index++) expect((await env.engine.chat(ask('model-a'))).provider).toBe('backup');
    const before = hits(env.sim, 'model-a').length;
    // The breaker is open now: further requests do not reach the dead primary.
    expect((await env.engine.chat(ask('model-a'))).provider).toBe('backup');
    expect(hits(env.sim, 'model-a').length).toBe(before);
    env.sim.script('model-a', null);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await env.engine.chat(ask('model-a'))).provider).toBe('primary');
    expect((await env.engine.chat(ask('model-a'))).provider).toBe('primary');
  });

  it('a response naming another model than asked is not a fall-back', async () => {
    env = await setup();
    // The simulator strips the `~scenario` suffix from the model it reports.
    const result = await env.engine.chat(ask('primary/model-a~latency?ms=5'));
    expect(result.model).toBe('model-a');
    expect(result.exai.fellBack).toBe(false);
  });

  it('unknown models get an error that lists what is available', async () => {
    env = await setup();
    const error = await env.engine.chat(ask('no-such-model')).catch((caught: unknown) => caught);
    expect(GatewayError.isInstance(error) && error.code).toBe('not_found');
    expect((error as Error).message).toContain('primary/model-a');
  });
});

/** `model-a` broken by `scenario` before any content: the whole answer streams from the fallback. */
async function streamsFromBackup(scenario: string) {
  env = await setup();
  env.sim.script('model-a', scenario);
  const stream = env.engine.stream(ask('model-a'));
  const { text, error } = await collect(stream);
  expect(error).toBeUndefined();
  expect(text).toContain('Simulated answer');
  expect(stream.meta.provider).toBe('backup');
}

describe('fail-over matrix (streaming)', () => {
  it('slow first token past the limit: the fallback streams instead', async () => {
    await streamsFromBackup('slow-first-token?ms=3000');
    await expect.poll(() => hits(env.sim, 'model-a')[0]?.clientHungUp).toBe(true);
  });

  it('a stream cut before any content fails over transparently', async () => {
    await streamsFromBackup('stream-cut?after=0');
  });

  it('a stream cut mid-answer, with `exai.resume: false`, ends with stream_interrupted, never as a success', async () => {
    env = await setup();
    env.sim.script('model-a', 'stream-cut?after=3');
    const { text, error } = await collect(env.engine.stream({ ...ask('model-a'), exai: { resume: false } }));
    expect(text.length).toBeGreaterThan(0);
    expect(GatewayError.isInstance(error) && error.code).toBe('stream_interrupted');
  });

  it('a stream stall, with resume off for the route, ends with stream_interrupted after the idle limit', async () => {
    env = await setup({ routes: { 'model-a': { resume: false } } });
    env.sim.script('model-a', 'stream-stall?after=2');
    const started = Date.now();
    const { error } = await collect(env.engine.stream(ask('model-a')));
    expect(GatewayError.isInstance(error) && error.code).toBe('stream_interrupted');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect.poll(() => hits(env.sim, 'model-a')[0]?.clientHungUp).toBe(true);
  });

  it('a stream that stalls before content fails over', async () => {
    await streamsFromBackup('stream-stall?after=0');
  });

  it('hedging: the next target starts when the primary is slow, and the first to answer wins', async () => {
    env = await setup({
      hedging: { 'model-a': 150 },
      timeouts: { requestMs: 8_000, attemptMs: 1_000, firstTokenMs: 1_500, idleMs: 400 },
    });
    env.sim.script('model-a', 'slow-first-token?ms=2000');
    const stream = env.engine.stream(ask('model-a'));
    const started = Date.now();
    const { error } = await collect(stream);
    expect(error).toBeUndefined();
    expect(stream.meta.provider).toBe('backup');
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect.poll(() => hits(env.sim, 'model-a')[0]?.clientHungUp).toBe(true);
  });
});
