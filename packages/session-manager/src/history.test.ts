import { describe, expect, it } from 'vitest';
import { gate, sleep } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('session records: get and list', () => {
  it('keeps at most historySize finished sessions, dropping the oldest', async () => {
    const manager = createSessionManager({ historySize: 3 });
    for (let index = 0; index < 5; index++) await manager.run(async () => index, { requestId: `r${index}` });
    expect(manager.get('r0')).toBeUndefined();
    expect(manager.get('r1')).toBeUndefined();
    expect(
      manager
        .list()
        .map((record) => record.requestId)
        .sort(),
    ).toEqual(['r2', 'r3', 'r4']);
  });

  it('lists live and finished sessions, filtered by status, newest first, with a limit', async () => {
    const manager = createSessionManager({ global: 1 });
    await manager.runSettled(async () => Promise.reject(new Error('x')), { requestId: 'failed-1' });
    await manager.run(async () => 1, { requestId: 'done-1' });
    // p-queue hands a freed slot on one microtask after the call settles; let it.
    await sleep(0);
    const blocker = gate();
    const running = manager.run(() => blocker.promise, { requestId: 'running-1' });
    const queued = manager.run(async () => 2, { requestId: 'queued-1' });
    expect(manager.list({ status: 'running' }).map((record) => record.requestId)).toEqual(['running-1']);
    expect(manager.list({ status: 'queued' }).map((record) => record.requestId)).toEqual(['queued-1']);
    expect(manager.list({ status: 'failed' })).toMatchObject([{ requestId: 'failed-1', error: 'server' }]);
    expect(manager.list()).toHaveLength(4);
    expect(manager.list({ limit: 2 })).toHaveLength(2);
    blocker.open();
    await Promise.all([running, queued]);
    expect(manager.list({ status: 'completed' })).toHaveLength(3);
  });

  it('returns copies: changing one does not change the manager', async () => {
    const manager = createSessionManager();
    await manager.run(async () => 1, { requestId: 'r' });
    const record = manager.get('r')!;
    record.status = 'failed';
    expect(manager.get('r')?.status).toBe('completed');
  });

  it('historySize 0 keeps nothing once finished', async () => {
    const manager = createSessionManager({ historySize: 0 });
    await manager.run(async () => 1, { requestId: 'r' });
    expect(manager.get('r')).toBeUndefined();
    expect(manager.list()).toEqual([]);
  });
});
