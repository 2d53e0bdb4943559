import { CancelledError, GatewayError, NetworkError, redactSecrets, toGatewayError } from '@exai/core';

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P03', '08000', '08001', '08003', '08006']);

/** Turns a driver error into a typed gateway error; connection failures become NetworkError. */
export function toStoreError(error: unknown, what: string): GatewayError {
  if (GatewayError.isInstance(error)) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  // Driver text can quote a connection string: mask its password before it goes anywhere.
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const name = error instanceof Error ? error.name : '';
  if (
    (typeof code === 'string' && networkCodes.has(code)) ||
    name === 'MaxRetriesPerRequestError' ||
    /connect|Connection terminated|Connection is closed/i.test(message)
  ) {
    return new NetworkError({ message: `store: cannot reach ${what}: ${message || code}`, cause: error });
  }
  const wrapped = toGatewayError(error);
  if (wrapped.code === 'cancelled') return wrapped;
  return new GatewayError('server', { message: `store: ${what} failed: ${message}`, cause: error });
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
  const running = work().catch((error: unknown) => {
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

export function parseJson<T>(text: string | null): T | null {
  if (text === null || text === undefined) return null;
  return JSON.parse(text) as T;
}

export function clampLimit(limit: number | undefined, fallback: number, maximum = 10_000): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(0, Math.min(Math.floor(limit), maximum));
}
