import {
  AuthError,
  BadRequestError,
  CancelledError,
  ContentFilterError,
  ContextLengthError,
  type GatewayError,
  NetworkError,
  NotFoundError,
  OverloadedError,
  RateLimitedError,
  ServerError,
  StreamInterruptedError,
  TimeoutError,
} from '@exai/core';
import { describe, expect, it, vi } from 'vitest';
import { FAST, failingTask, registriesPerTest, rejection, trip } from '../test/helpers.js';
import type { BreakerRegistry } from './index.js';

const newRegistry = registriesPerTest();
let registry: BreakerRegistry;

const clientErrors: Array<[string, () => GatewayError]> = [
  ['bad_request', () => new BadRequestError()],
  ['auth', () => new AuthError()],
  ['not_found', () => new NotFoundError()],
  ['context_length', () => new ContextLengthError()],
  ['content_filter', () => new ContentFilterError()],
  ['cancelled', () => new CancelledError()],
];

const providerFaults: Array<[string, () => unknown]> = [
  ['rate_limited', () => new RateLimitedError({ retryAfterMs: 1000 })],
  ['overloaded', () => new OverloadedError()],
  ['server', () => new ServerError()],
  ['timeout', () => new TimeoutError()],
  ['network', () => new NetworkError()],
  ['stream_interrupted', () => new StreamInterruptedError()],
  ['a plain Error', () => new Error('socket hang up')],
];

/** A breaker opened by failures and past its reset time: the next call is the probe. */
async function awaitingProbe() {
  vi.useFakeTimers(); // the reset timer: advanced, not waited for
  registry = newRegistry({ defaults: FAST });
  const breaker = registry.get('glm');
  await trip(breaker);
  await vi.advanceTimersByTimeAsync(FAST.resetTimeoutMs + 50);
  return breaker;
}

describe('error filter: only provider faults count', () => {
  it.each(clientErrors)('%s never trips the breaker and is passed through unchanged', async (_code, make) => {
    registry = newRegistry({ defaults: FAST });
    const breaker = registry.get('glm');
    const errors = Array.from({ length: 10 }, make);
    for (const error of errors) {
      expect(await rejection(breaker.execute(() => Promise.reject(error)))).toBe(error);
    }
    expect(breaker.state).toBe('closed');
    expect(registry.snapshot()[0]).toMatchObject({ calls: 10, failures: 0, successes: 10 });
  });

  it.each(providerFaults)('%s counts as a failure and opens the breaker', async (_code, make) => {
    registry = newRegistry({ defaults: FAST });
    const breaker = registry.get('glm');
    const task = failingTask(make);
    await trip(breaker, task);
    expect(breaker.state).toBe('open');
    expect(registry.snapshot()[0]?.failures).toBe(FAST.volumeThreshold);
  });

  it('closes when the probe gets a client error (the provider answered)', async () => {
    const breaker = await awaitingProbe();
    const error = new ContextLengthError();
    expect(await rejection(breaker.execute(() => Promise.reject(error)))).toBe(error);
    expect(breaker.state).toBe('closed');
  });

  it('re-opens when the probe is cancelled (no evidence the provider is back)', async () => {
    const breaker = await awaitingProbe();
    await rejection(breaker.execute(() => Promise.reject(new CancelledError())));
    expect(breaker.state).toBe('open');
  });

  it('has no timeout of its own unless one is configured', async () => {
    vi.useFakeTimers();
    registry = newRegistry({ defaults: FAST, perProvider: { kimi: { timeoutMs: 50 } } });
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 150));
    const unlimited = registry.get('glm').execute(slow);
    await vi.advanceTimersByTimeAsync(150);
    await expect(unlimited).resolves.toBe('late');
    const limited = rejection(registry.get('kimi/kimi-k2').execute(slow));
    await vi.advanceTimersByTimeAsync(150);
    const timedOut = await limited;
    expect(timedOut).toMatchObject({ code: 'timeout', provider: 'kimi', model: 'kimi-k2' });
    expect(registry.snapshot().find((snapshot) => snapshot.key === 'kimi/kimi-k2')).toMatchObject({
      timeouts: 1,
      failures: 1,
    });
  });
});
