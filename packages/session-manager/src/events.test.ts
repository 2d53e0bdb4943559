import { describe, expect, it } from 'vitest';
import { gate, sleep } from '../test/helpers.js';
import { createSessionManager, type SessionRecord } from './index.js';

describe("'session' events", () => {
  it('reports every status change: queued, running, then the final status', async () => {
    const manager = createSessionManager({ global: 1 });
    const seen: SessionRecord[] = [];
    manager.on('session', (record) => seen.push(record));
    const blocker = gate();
    const first = manager.run(() => blocker.promise, { requestId: 'a' });
    const second = manager.runSettled(async () => Promise.reject(new Error('x')), { requestId: 'b' });
    blocker.open();
    await first;
    await second;
    expect(seen.map((record) => `${record.requestId}:${record.status}`)).toEqual([
      'a:running',
      'b:queued',
      'a:completed',
      'b:running',
      'b:failed',
    ]);
    expect(seen.at(-1)).toMatchObject({ error: 'server' });
    expect(seen[0]!.endedAt).toBeUndefined();
  });

  it('stops after unsubscribing (both the returned function and off)', async () => {
    const manager = createSessionManager();
    const seen: string[] = [];
    const listener = (record: SessionRecord) => seen.push(record.status);
    const unsubscribe = manager.on('session', listener);
    await manager.run(async () => 1);
    unsubscribe();
    await manager.run(async () => 1);
    manager.on('session', listener);
    manager.off('session', listener);
    await manager.run(async () => 1);
    expect(seen).toEqual(['running', 'completed']);
  });

  it('a listener that throws does not break the call (its error surfaces outside, asynchronously)', async () => {
    const manager = createSessionManager();
    manager.on('session', () => {
      throw new Error('listener bug');
    });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await expect(manager.run(async () => 'fine')).resolves.toBe('fine');
      await sleep(1);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toHaveLength(2);
  });
});
