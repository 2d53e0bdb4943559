import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { gate, sleep } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('timeouts', () => {
  it('aborts the function signal with a TimeoutError and run throws TimeoutError', async () => {
    const manager = createSessionManager();
    let seen: unknown;
    const started = Date.now();
    const error = await manager
      .run(
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              seen = signal.reason;
              reject(signal.reason);
            });
          }),
        { requestId: 't1', timeoutMs: 60, provider: 'openai' },
      )
      .catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    expect(GatewayError.isInstance(error) && error.code).toBe('timeout');
    expect((error as GatewayError).name).toBe('TimeoutError');
    expect((error as GatewayError).provider).toBe('openai');
    expect(seen).toBe(error);
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(2_000); // without the timeout it would never settle
    expect(manager.get('t1')).toMatchObject({ status: 'timed_out', error: 'timeout' });
  });

  it('settles at the timeout even if the function ignores its signal; the slot is held until it ends', async () => {
    const manager = createSessionManager({ perProvider: 1 });
    const stubborn = gate();
    const started = Date.now();
    const result = await manager.runSettled(() => stubborn.promise, { provider: 'p', timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(2_000); // the function itself never settles
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' }, session: { status: 'timed_out' } });
    expect(manager.metrics()).toMatchObject({ inFlight: 0, abandoned: 1 });
    // The provider's only slot is still taken by the function that ignored the abort.
    let ran = false;
    const next = manager.run(
      async () => {
        ran = true;
      },
      { provider: 'p' },
    );
    await sleep(20);
    expect(ran).toBe(false);
    stubborn.open();
    await next;
    expect(ran).toBe(true);
    expect(manager.metrics().abandoned).toBe(0);
  });

  it('counts queue wait: a call that waits too long times out in the queue and never runs', async () => {
    const manager = createSessionManager({ perProvider: 1 });
    const held = gate();
    const blocker = manager.run(() => held.promise, { provider: 'p' });
    let ran = false;
    const started = Date.now();
    const queued = await manager.runSettled(
      async () => {
        ran = true;
      },
      { provider: 'p', timeoutMs: 40, requestId: 'q' },
    );
    expect(Date.now() - started).toBeLessThan(1_000); // the slot it waits for is never freed before
    expect(queued).toMatchObject({
      ok: false,
      error: { code: 'timeout' },
      session: { status: 'timed_out', startedAt: undefined },
    });
    held.open();
    await blocker;
    await sleep(5);
    expect(ran).toBe(false);
    expect(manager.metrics().queued).toBe(0);
  });

  it('the timeout clock spans queue wait plus running time', async () => {
    const manager = createSessionManager({ global: 1 });
    const blocker = manager.run(() => sleep(60));
    const started = Date.now();
    // 60 ms in the queue + 60 ms running > 100 ms budget.
    const result = await manager.runSettled(({ signal }) => sleep(60).then(() => signal.throwIfAborted()), {
      timeoutMs: 100,
    });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
    await blocker;
  });

  it('uses defaultTimeoutMs when the call gives none', async () => {
    const manager = createSessionManager({ defaultTimeoutMs: 30 });
    await expect(manager.run(() => sleep(500))).rejects.toMatchObject({ code: 'timeout' });
  });

  it('a timeout the function reports itself is recorded as timed_out', async () => {
    const manager = createSessionManager();
    const { TimeoutError } = await import('@exai/core');
    const result = await manager.runSettled(async () =>
      Promise.reject(new TimeoutError({ message: 'first token took too long' })),
    );
    expect(result.session).toMatchObject({ status: 'timed_out', error: 'timeout' });
    expect(manager.metrics().abandoned).toBe(0);
  });
});
