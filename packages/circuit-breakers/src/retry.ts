import { setTimeout as wait } from 'node:timers/promises';
import { CancelledError, GatewayError, toGatewayError } from '@exai/core';

export interface RetryInfo {
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** The failure, as a GatewayError. */
  error: GatewayError;
  /** How long retry() waits before the next attempt. */
  delayMs: number;
  /** Milliseconds since retry() started. */
  elapsedMs: number;
}

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /**
   * Backoff base: the wait before attempt n+1 is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). Default 250.
   */
  baseDelayMs?: number;
  /** Largest backoff wait. Default 8000. */
  maxDelayMs?: number;
  /** Longest provider-requested wait (`retryAfterMs`) honoured; a longer request is not retried. Default 30000. */
  maxRetryAfterMs?: number;
  /** Total time for all attempts and waits; a wait that would end past it is not started. Default 60000. */
  budgetMs?: number;
  /** Retry `circuit_open` on the same key. Default false: the caller should fail over to another provider. */
  retryCircuitOpen?: boolean;
  /** Aborting stops a wait at once and throws `CancelledError`. */
  signal?: AbortSignal;
  /**
   * The caller's own veto, asked after the built-in rules allow a retry and before the wait: `false`
   * throws the error at once (e.g. to fail over to another provider rather than wait). Default: retry.
   */
  shouldRetry?: (info: RetryInfo) => boolean;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
  /** Random source in [0, 1), for tests. Default Math.random. */
  random?: () => number;
}

export type BackoffOptions = Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'random'>;

const NEVER_ABORTED = new AbortController().signal;

/**
 * The wait before the attempt after `attempt` (1-based) failed with `error`: exponential backoff with
 * full jitter, but never less than the `retryAfterMs` the provider asked for. Returns `Infinity` when
 * the provider asked for more than `maxRetryAfterMs` (waiting less would only earn another 429).
 */
export function computeBackoff(attempt: number, error: unknown, options: BackoffOptions = {}): number {
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 8000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const backoff = Math.floor(random() * ceiling);
  const retryAfterMs = GatewayError.isInstance(error) ? error.retryAfterMs : undefined;
  if (retryAfterMs === undefined || !(retryAfterMs >= 0)) return backoff;
  if (retryAfterMs > maxRetryAfterMs) return Number.POSITIVE_INFINITY;
  return Math.max(Math.ceil(retryAfterMs), backoff);
}

/**
 * Runs `fn` until it succeeds, the error is not retryable, the attempts or the time budget run out,
 * or `signal` aborts. Throws the last error as `fn` threw it (a `CancelledError` on abort).
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
  const budgetMs = options.budgetMs ?? 60_000;
  const signal = options.signal ?? NEVER_ABORTED;
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw cancelled(signal);
    try {
      return await fn(attempt, signal);
    } catch (thrown) {
      if (signal.aborted) throw cancelled(signal, thrown);
      const error = toGatewayError(thrown);
      if (attempt >= maxAttempts || !error.isRetryable) throw thrown;
      if (error.code === 'circuit_open' && options.retryCircuitOpen !== true) throw thrown;
      const delayMs = computeBackoff(attempt, error, options);
      const elapsedMs = Date.now() - startedAt;
      if (elapsedMs + delayMs > budgetMs) throw thrown;
      const info = { attempt, error, delayMs, elapsedMs };
      if (options.shouldRetry && !options.shouldRetry(info)) throw thrown;
      options.onRetry?.(info);
      try {
        await wait(delayMs, undefined, { signal });
      } catch {
        throw cancelled(signal);
      }
    }
  }
}

function cancelled(signal: AbortSignal, cause: unknown = signal.reason): GatewayError {
  if (GatewayError.isInstance(cause) && cause.code === 'cancelled') return cause;
  return new CancelledError({ message: 'The request was cancelled', cause });
}
