import { setTimeout as wait } from 'node:timers/promises';
import { type SharedSemaphore, TimeoutError } from '@exai/core';

/**
 * Takes one of `limit` slots for a provider across every gateway instance (Redis), waiting with
 * a short, growing poll until the session's signal ends the wait. A slot expires on its own after
 * `ttlMs`, so a crashed instance cannot hold it forever. Returns the release function.
 */
export async function acquireSharedSlot(
  semaphore: SharedSemaphore,
  key: string,
  limit: number,
  ttlMs: number,
  signal: AbortSignal,
): Promise<() => Promise<void>> {
  let pollMs = 5;
  for (;;) {
    const release = await semaphore.tryAcquire(key, limit, ttlMs);
    if (release) return release;
    if (signal.aborted) throw signal.reason ?? new TimeoutError({ message: `No free slot for ${key}` });
    // An abort ends the wait with the signal's own reason (the session's typed timeout or cancel).
    await wait(pollMs, undefined, { signal }).catch(() => Promise.reject(signal.reason));
    pollMs = Math.min(pollMs * 2, 50);
  }
}
