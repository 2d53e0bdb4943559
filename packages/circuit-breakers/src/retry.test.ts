import { BadRequestError, CircuitOpenError, GatewayError, OverloadedError, RateLimitedError } from '@exai/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rejection, sleep } from '../test/helpers.js';
import type { RetryInfo } from './index.js';
import { retry } from './index.js';

const fast = { baseDelayMs: 1, maxDelayMs: 5 };

describe('retry()', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries retryable failures and passes the attempt number and a signal', async () => {
    const seen: number[] = [];
    const infos: RetryInfo[] = [];
    const result = await retry(
      async (attempt, signal) => {
        seen.push(attempt);
        expect(signal).toBeInstanceOf(AbortSignal);
        if (attempt < 3) throw new OverloadedError();
        return 'third time';
      },
      { ...fast, onRetry: (info) => infos.push(info) },
    );
    expect(result).toBe('third time');
    expect(seen).toEqual([1, 2, 3]);
    expect(infos.map((info) => [info.attempt, info.error.code])).toEqual([
      [1, 'overloaded'],
      [2, 'overloaded'],
    ]);
  });

  it('stops after maxAttempts and throws the last error unchanged', async () => {
    let attempts = 0;
    const errors: Error[] = [];
    const thrown = await rejection(
      retry(
        async () => {
          attempts++;
          const error = new Error(`plain failure ${attempts}`); // treated as a retryable server error
          errors.push(error);
          throw error;
        },
        { ...fast, maxAttempts: 4 },
      ),
    );
    expect(attempts).toBe(4);
    expect(thrown).toBe(errors[3]);
  });

  it('never retries what is not retryable', async () => {
    let attempts = 0;
    const error = new BadRequestError({ message: 'bad field' });
    const thrown = await rejection(
      retry(async () => {
        attempts++;
        throw error;
      }, fast),
    );
    expect(attempts).toBe(1);
    expect(thrown).toBe(error);
  });

  it('does not retry circuit_open on the same key unless asked to', async () => {
    let attempts = 0;
    const open = async (): Promise<string> => {
      attempts++;
      throw new CircuitOpenError({ retryAfterMs: 1 });
    };
    await rejection(retry(open, fast));
    expect(attempts).toBe(1);
    attempts = 0;
    await rejection(retry(open, { ...fast, retryCircuitOpen: true }));
    expect(attempts).toBe(3);
  });

  it("waits at least the provider's retryAfterMs", async () => {
    const times: number[] = [];
    await retry(
      async (attempt) => {
        times.push(performance.now());
        if (attempt === 1) throw new RateLimitedError({ retryAfterMs: 300 });
        return 'ok';
      },
      { ...fast, random: () => 0 },
    );
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(295);
  });

  it('does not retry when the provider asks for more than maxRetryAfterMs', async () => {
    vi.useFakeTimers(); // a wait would never end: settling proves none was started
    let attempts = 0;
    const started = Date.now();
    await rejection(
      retry(
        async () => {
          attempts++;
          throw new RateLimitedError({ retryAfterMs: 60_000 });
        },
        { ...fast, maxRetryAfterMs: 30_000 },
      ),
    );
    expect(attempts).toBe(1);
    expect(Date.now() - started).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops when the next wait would end past the budget', async () => {
    vi.useFakeTimers(); // a wait would never end: settling proves none was started
    let attempts = 0;
    const started = Date.now();
    const error = new OverloadedError();
    const thrown = await rejection(
      retry(
        async () => {
          attempts++;
          throw error;
        },
        { baseDelayMs: 400, maxDelayMs: 400, budgetMs: 300, random: () => 0.99 },
      ),
    );
    expect(thrown).toBe(error);
    expect(attempts).toBe(1);
    expect(Date.now() - started).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops waiting at once when the signal aborts and throws CancelledError', async () => {
    const controller = new AbortController();
    let attempts = 0;
    vi.useFakeTimers();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const rejected = rejection(
      retry(
        async () => {
          attempts++;
          throw new RateLimitedError({ retryAfterMs: 5_000 });
        },
        { signal: controller.signal },
      ),
    );
    await vi.advanceTimersByTimeAsync(50);
    const thrown = await rejected;
    expect(GatewayError.isInstance(thrown) && thrown.code).toBe('cancelled');
    expect(attempts).toBe(1);
    expect(Date.now() - started).toBe(50); // the 5 s Retry-After wait ended with the abort
  });

  it('throws CancelledError without calling fn when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let attempts = 0;
    const thrown = await rejection(
      retry(
        async () => {
          attempts++;
          return 'never';
        },
        { signal: controller.signal },
      ),
    );
    expect(thrown).toMatchObject({ code: 'cancelled' });
    expect(attempts).toBe(0);
  });

  it('treats a failure after the signal aborted as cancellation, not as something to retry', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const thrown = await rejection(
      retry(
        async (_attempt, signal) => {
          attempts++;
          await sleep(20);
          controller.abort();
          throw signal.reason;
        },
        { ...fast, signal: controller.signal },
      ),
    );
    expect(thrown).toMatchObject({ code: 'cancelled' });
    expect(attempts).toBe(1);
  });
});
