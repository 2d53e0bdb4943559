import type { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryEventLog, createRedisEventLog, type EventLog } from '../src/index.js';
import { connectRedis, redisUrl, uniqueName } from './services.js';

/** The same behaviour from both logs: order, replay after an id, the cap, unknown ids. */
function suite(name: string, make: (options: { maxEntries?: number; ttlMs?: number }) => EventLog) {
  describe(`${name} event log`, () => {
    it('replays the entries after an id, oldest first, and only those of the named log', async () => {
      const log = make({});
      const first = await log.append('tenant-a/s1', 'one');
      await log.append('tenant-a/s1', 'two');
      await log.append('tenant-b/s1', 'other tenant');
      await log.append('tenant-a/s1', 'three');
      expect((await log.after('tenant-a/s1', first))?.map((entry) => entry.data)).toEqual(['two', 'three']);
      expect(await log.has('tenant-a/s1', first)).toBe(true);
      // The same id under another log's name (another tenant) is unknown there.
      expect(await log.after('tenant-b/s2', first)).toBeUndefined();
      expect(await log.has('tenant-b/s2', first)).toBe(false);
      expect(await log.after('tenant-a/s1', 'not-an-id')).toBeUndefined();
      await log.close();
    });

    it('keeps at most maxEntries per log: an id that fell off is unknown', async () => {
      const log = make({ maxEntries: 3 });
      const ids: string[] = [];
      for (const data of ['1', '2', '3', '4', '5']) ids.push(await log.append('capped', data));
      expect(await log.after('capped', ids[0]!)).toBeUndefined();
      expect(await log.after('capped', ids[1]!)).toBeUndefined();
      expect((await log.after('capped', ids[2]!))?.map((entry) => entry.data)).toEqual(['4', '5']);
      await log.close();
    });
  });
}

suite('memory', (options) => createMemoryEventLog(options));

describe('memory event log expiry', () => {
  it('drops a log ttlMs after its last write, and the least recently written beyond maxLogs', async () => {
    let now = 0;
    const log = createMemoryEventLog({ ttlMs: 1_000, maxLogs: 2, now: () => now });
    const a = await log.append('a', 'x');
    now = 500;
    const b = await log.append('b', 'y');
    now = 1_200;
    expect(await log.has('a', a)).toBe(false);
    expect(await log.has('b', b)).toBe(true);
    const c = await log.append('c', 'z');
    const d = await log.append('d', 'w');
    expect(await log.has('b', b)).toBe(false);
    expect(await log.has('c', c)).toBe(true);
    expect(await log.has('d', d)).toBe(true);
  });
});

describe('redis event log', () => {
  const prefix = `${uniqueName('exai-test')}:`;
  let admin: Redis;
  let connecting: Promise<Redis> | undefined;
  beforeEach(async () => {
    connecting ??= connectRedis();
    admin = await connecting;
  });
  afterAll(async () => {
    if (!admin) return;
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  suite('redis', (options) => createRedisEventLog(redisUrl, { prefix, ...options }));

  it('another client (another instance) replays what one wrote; the key carries the TTL', async () => {
    const writer = createRedisEventLog(redisUrl, { prefix, ttlMs: 60_000 });
    const reader = createRedisEventLog(redisUrl, { prefix });
    const first = await writer.append('shared', 'a');
    await writer.append('shared', 'b');
    await writer.close();
    expect((await reader.after('shared', first))?.map((entry) => entry.data)).toEqual(['b']);
    const ttl = await admin.pttl(`${prefix}events:shared`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await reader.close();
  });
});
