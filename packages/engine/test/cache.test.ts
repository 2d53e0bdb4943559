import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatChunk } from '@exai/core';
import type { Store } from '@exai/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineCallOptions } from '../src/index.js';
import { ask, hits, setup } from './helpers.js';

let env: Awaited<ReturnType<typeof setup>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const alice: EngineCallOptions = { caller: 'key:alice', scope: { owner: 'key:alice' }, route: '/v1/chat/completions' };
const bob: EngineCallOptions = { caller: 'key:bob', scope: { owner: 'key:bob' }, route: '/v1/chat/completions' };
const zero = (text = 'what is two plus two?') => ({ ...ask('model-a', text), temperature: 0 });

async function chunksOf(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The request log's rows once `count` of them are written (it is flushed off the request path). */
async function logged(store: Store, count: number) {
  for (let tries = 0; tries < 100; tries++) {
    const rows = await store.listRequests({ owner: 'admin', admin: true }, { limit: 50 });
    if (rows.length >= count) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the request log did not reach ${count} rows`);
}

describe('exact response cache', () => {
  it('JSON: the second identical request is a hit with no upstream attempt, logged as a hit', async () => {
    env = await setup({ cache: { routes: ['/v1/chat/completions'] } });
    const first = await env.engine.chat(zero(), alice);
    const second = await env.engine.chat(zero(), alice);
    expect(hits(env.sim, 'model-a')).toHaveLength(1);
    expect(first.exai.cache).toBe('miss');
    expect(second.exai).toMatchObject({ cache: 'hit', attempts: [], provider: 'primary', model: first.model });
    expect(second.exai.usage).toBeUndefined();
    expect(second.choices).toEqual(first.choices);
    expect(second.exai.requestId).not.toBe(first.exai.requestId);
    const rows = await logged(env.store, 2);
    expect(rows.map((row) => row.cache).sort()).toEqual(['hit', 'miss']);
    expect(rows.find((row) => row.cache === 'hit')?.attempts).toEqual([]);
  });

  it('stream: the second identical stream replays the same chunks with no upstream attempt', async () => {
    env = await setup({ cache: { keys: ['key:alice'] } });
    const first = env.engine.stream({ ...zero(), stream: true }, alice);
    const firstChunks = await chunksOf(first);
    const second = env.engine.stream({ ...zero(), stream: true }, alice);
    const secondChunks = await chunksOf(second);
    expect(hits(env.sim, 'model-a')).toHaveLength(1);
    expect(firstChunks.length).toBeGreaterThan(1);
    expect(secondChunks).toEqual(firstChunks);
    expect(first.meta.cache).toBe('miss');
    expect(second.meta).toMatchObject({ cache: 'hit', attempts: [], provider: 'primary' });
    // A whole answer is stored apart from a stream: the JSON call is a miss.
    expect((await env.engine.chat(zero(), alice)).exai.cache).toBe('miss');
  });

  it('a changed parameter or message is a miss', async () => {
    env = await setup({ cache: { routes: ['*'] } });
    await env.engine.chat(zero(), alice);
    expect((await env.engine.chat({ ...zero(), max_tokens: 50 }, alice)).exai.cache).toBe('miss');
    expect((await env.engine.chat(zero('what is three plus three?'), alice)).exai.cache).toBe('miss');
    expect((await env.engine.chat({ ...zero(), top_p: 0.5 }, alice)).exai.cache).toBe('miss');
    expect((await env.engine.chat(zero(), alice)).exai.cache).toBe('hit');
    expect(hits(env.sim, 'model-a')).toHaveLength(4);
  });

  it("another key's identical request is a miss: no key sees another's cached answer", async () => {
    env = await setup({ cache: { routes: ['*'] } });
    await env.engine.chat(zero(), alice);
    expect((await env.engine.chat(zero(), bob)).exai.cache).toBe('miss');
    expect(hits(env.sim, 'model-a')).toHaveLength(2);
  });

  it('an entry past its TTL is a miss', async () => {
    env = await setup({ cache: { routes: ['*'], ttlMs: 200 } });
    await env.engine.chat(zero(), alice);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await env.engine.chat(zero(), alice)).exai.cache).toBe('miss');
    expect(hits(env.sim, 'model-a')).toHaveLength(2);
  });

  it('temperature above 0 or unset is not cached unless configured; routes and keys not opted in are not', async () => {
    env = await setup({ cache: { routes: ['/v1/messages'], keys: ['key:carol'] } });
    await env.engine.chat(zero(), alice);
    expect((await env.engine.chat(zero(), alice)).exai.cache).toBeUndefined();
    await env.close();
    env = await setup({ cache: { routes: ['*'] } });
    await env.engine.chat({ ...zero(), temperature: 0.7 }, alice);
    expect((await env.engine.chat({ ...zero(), temperature: 0.7 }, alice)).exai.cache).toBeUndefined();
    expect((await env.engine.chat(ask('model-a'), alice)).exai.cache).toBeUndefined();
    expect(hits(env.sim, 'model-a')).toHaveLength(3);
    await env.close();
    env = await setup({ cache: { routes: ['*'], anyTemperature: true } });
    await env.engine.chat({ ...zero(), temperature: 0.7 }, alice);
    expect((await env.engine.chat({ ...zero(), temperature: 0.7 }, alice)).exai.cache).toBe('hit');
  });

  it('a failed call stores nothing; the next identical call goes upstream', async () => {
    env = await setup({ cache: { routes: ['*'] }, fallbacks: {} });
    env.sim.script('model-a', 'http-400');
    await expect(env.engine.chat(zero(), alice)).rejects.toThrow();
    env.sim.script('model-a', null);
    expect((await env.engine.chat(zero(), alice)).exai.cache).toBe('miss');
  });

  it('an answer over the size cap is not stored', async () => {
    env = await setup({ cache: { routes: ['*'], maxEntryBytes: 64 } });
    await env.engine.chat(zero(), alice);
    expect((await env.engine.chat(zero(), alice)).exai.cache).toBe('miss');
  });

  it('Redis backend: an answer cached by one instance is a hit on another sharing the Redis', async () => {
    const redisPrefix = `exai-cache-test-${randomBytes(4).toString('hex')}:`;
    const shared = (dataDir: string) => ({
      cache: { routes: ['*'] },
      store: { dataDir, redisUrl: 'redis://127.0.0.1:6379', redisPrefix },
    });
    env = await setup(shared(mkdtempSync(join(tmpdir(), 'exai-cache-a-'))));
    const other = await setup(shared(mkdtempSync(join(tmpdir(), 'exai-cache-b-'))));
    try {
      expect(env.store.responseCache.kind).toBe('redis');
      const first = await env.engine.chat(zero(), alice);
      const second = await other.engine.chat(
        { ...zero(), model: 'model-a' },
        { ...alice, requestId: 'on-the-other-instance' },
      );
      expect(first.exai.cache).toBe('miss');
      expect(second.exai.cache).toBe('hit');
      expect(hits(other.sim, 'model-a')).toHaveLength(0);
      expect((await other.engine.chat(zero(), bob)).exai.cache).toBe('miss');
    } finally {
      await other.close();
    }
  });
});
