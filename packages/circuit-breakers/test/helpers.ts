import { GatewayError, OverloadedError } from '@exai/core';
import { afterEach, beforeEach, vi } from 'vitest';
import { type BreakerRegistry, type BreakerRegistryOptions, createBreakerRegistry } from '../src/index.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** A task that fails with a provider fault (503) and counts its calls. */
export function failingTask(error: () => unknown = () => new OverloadedError({ provider: 'glm' })) {
  const task = Object.assign(
    async (): Promise<string> => {
      task.calls++;
      throw error();
    },
    { calls: 0 },
  );
  return task;
}

/** Runs `promise` and returns what it rejected with (fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

export function isCircuitOpen(error: unknown): error is GatewayError {
  return GatewayError.isInstance(error) && error.code === 'circuit_open';
}

/** Options small enough for fast tests. */
export const FAST = { rollingWindowMs: 2_000, volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 200 };

/** Fails `task` through the breaker `FAST.volumeThreshold` times: enough to open it under `FAST`. */
export async function trip(
  breaker: { execute(task: () => Promise<unknown>): Promise<unknown> },
  task: () => Promise<unknown> = failingTask(),
): Promise<void> {
  for (let call = 0; call < FAST.volumeThreshold; call++) await rejection(breaker.execute(task));
}

/**
 * The registries a test file makes: each made by the returned function is closed after its test, and real
 * timers are put back; with `fakeTimers`, every test starts under fake timers (time moves only when the test
 * advances it, so a loaded machine cannot make a breaker half-open early or late).
 */
export function registriesPerTest(options: { fakeTimers?: boolean } = {}) {
  const made: BreakerRegistry[] = [];
  if (options.fakeTimers) {
    beforeEach(() => {
      vi.useFakeTimers();
    });
  }
  afterEach(async () => {
    for (const registry of made.splice(0)) await registry.close();
    vi.useRealTimers();
  });
  return (registryOptions?: BreakerRegistryOptions): BreakerRegistry => {
    const registry = createBreakerRegistry(registryOptions);
    made.push(registry);
    return registry;
  };
}

/** Moves fake time on by `ms`, running the timers and promises due. */
export const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
