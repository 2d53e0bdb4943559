import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { gate, runSpy, sleep } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('caller cancellation', () => {
  it('aborting a running call aborts the function signal and run throws CancelledError at once', async () => {
    const manager = createSessionManager();
    const controller = new AbortController();
    let fnSignal: AbortSignal | undefined;
    const stubborn = gate();
    const call = manager.run(
      ({ signal }) => {
        fnSignal = signal;
        return stubborn.promise;
      },
      { signal: controller.signal, requestId: 'c1' },
    );
    await sleep(5);
    controller.abort(new Error('user left'));
    const error = await call.catch((caught: unknown) => caught);
    expect(GatewayError.isInstance(error) && error.code).toBe('cancelled');
    expect((error as GatewayError).name).toBe('CancelledError');
    expect((error as GatewayError).cause).toEqual(new Error('user left'));
    expect(fnSignal?.aborted).toBe(true);
    expect(fnSignal?.reason).toBe(error);
    expect(manager.get('c1')).toMatchObject({ status: 'cancelled', error: 'cancelled' });
    stubborn.open();
  });

  it('a queued call cancelled before it starts never runs and leaves the queue', async () => {
    const manager = createSessionManager({ global: 1 });
    const blocker = gate();
    const first = manager.run(() => blocker.promise);
    const never = runSpy();
    const queued = manager.runSettled(never.fn, { signal: never.controller.signal });
    const third = manager.run(async () => 'third');
    expect(manager.metrics().queued).toBe(2);
    never.controller.abort();
    expect(await queued).toMatchObject({
      ok: false,
      error: { code: 'cancelled' },
      session: { status: 'cancelled', startedAt: undefined },
    });
    expect(manager.metrics().queued).toBe(1);
    blocker.open();
    await first;
    await expect(third).resolves.toBe('third');
    expect(never.ran).toBe(false);
  });

  it('an already-aborted signal fails at once without running', async () => {
    const manager = createSessionManager();
    const never = runSpy();
    const result = await manager.runSettled(never.fn, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(never.ran).toBe(false);
  });

  it('a cancelled queued call in the middle of a conversation lets the later ones keep their order', async () => {
    const manager = createSessionManager();
    const order: number[] = [];
    const controller = new AbortController();
    const calls = [0, 1, 2, 3].map((index) =>
      manager.runSettled(
        async () => {
          order.push(index);
          await sleep(10);
        },
        { conversationId: 'c', ...(index === 2 ? { signal: controller.signal } : {}) },
      ),
    );
    controller.abort();
    await Promise.all(calls);
    expect(order).toEqual([0, 1, 3]);
  });

  it('does not leave listeners on the caller signal after the call ends', async () => {
    const manager = createSessionManager();
    const controller = new AbortController();
    await manager.run(async () => 1, { signal: controller.signal });
    // Aborting after the end changes nothing.
    controller.abort();
    await sleep(1);
    expect(manager.metrics().totals).toMatchObject({ completed: 1, cancelled: 0 });
  });
});
