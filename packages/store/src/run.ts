import { CancelledError, GatewayError, StoreUnavailableError, toGatewayError } from '@exai/core';

/** What callers read when a store fails: which store, and that a retry may work. No driver text, hosts or URLs. */
export function unavailableMessage(store: string): string {
  return `The gateway's store (${store}) is unavailable; retry shortly`;
}

/**
 * Turns a driver error into a typed gateway error: `StoreUnavailableError` (503, retryable, not a
 * provider fault), the driver's error kept as `cause` for the logs. Typed errors (not found, bad
 * request) pass through; cancellations stay cancelled.
 */
export function toStoreError(error: unknown, what: string): GatewayError {
  if (GatewayError.isInstance(error)) return error;
  const wrapped = toGatewayError(error);
  if (wrapped.code === 'cancelled') return wrapped;
  return new StoreUnavailableError({ message: unavailableMessage(what), cause: error });
}

function cancelled(signal: AbortSignal): GatewayError {
  return new CancelledError({ message: 'store: the operation was cancelled', cause: signal.reason });
}

/**
 * Runs `work` unless `signal` is already aborted, and stops waiting for it when `signal` aborts.
 * Drivers cannot always interrupt a statement already sent; the caller gets CancelledError at once.
 */
export async function withSignal<T>(signal: AbortSignal | undefined, what: string, work: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw cancelled(signal);
  const running = retryBusy(work).catch((error: unknown) => {
    throw toStoreError(error, what);
  });
  if (!signal) return running;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([running, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    running.catch(() => undefined);
  }
}

/**
 * SQLite shared by several processes (the workers of `exai-http --workers N`): a transaction that could not
 * take the write lock (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT` past the busy timeout's reach) was rolled back
 * and is run again, a few times, after a short pause.
 */
async function retryBusy<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 4 || typeof code !== 'string' || !code.startsWith('SQLITE_BUSY')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * (attempt + 1)));
    }
  }
}

export function parseJson<T>(text: string | null): T | null {
  if (text === null || text === undefined) return null;
  return JSON.parse(text) as T;
}

export function clampLimit(limit: number | undefined, fallback: number, maximum = 10_000): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(0, Math.min(Math.floor(limit), maximum));
}
