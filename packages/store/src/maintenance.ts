import type { Logger, SharedSemaphore } from '@exai/core';

/** What one maintenance pass removed; `skipped` when another instance holds the lock. */
export interface MaintenanceResult {
  threads: number;
  requests: number;
  skipped: boolean;
}

export interface MaintenanceDeps {
  purgeExpired(options: { signal?: AbortSignal }): Promise<number>;
  purgeRequests(before: number, options: { signal?: AbortSignal }): Promise<number>;
  /** The fleet-wide lock: one pass per lock period across instances sharing Redis. */
  semaphore(): SharedSemaphore;
  now(): number;
  logger: Logger | undefined;
  /** Request-log rows older than this are deleted; 0 keeps them. */
  requestLogRetentionMs: number;
  intervalMs: number;
  random: () => number;
}

const LOCK_KEY = 'store:maintenance';

/**
 * One pass: expired threads, then request-log rows past their retention. Instances take a lock
 * (held, not released, for half an interval) so a fleet sharing Redis purges once, not N times;
 * when the lock cannot be reached the pass runs anyway (deleting expired rows twice is harmless).
 */
export async function runMaintenancePass(
  deps: MaintenanceDeps,
  options: { signal?: AbortSignal; force?: boolean } = {},
): Promise<MaintenanceResult> {
  if (!options.force) {
    try {
      const held = await deps.semaphore().tryAcquire(LOCK_KEY, 1, Math.max(1_000, Math.floor(deps.intervalMs / 2)));
      if (!held) return { threads: 0, requests: 0, skipped: true };
    } catch (error) {
      deps.logger?.warn({ err: error }, 'store maintenance: the shared lock is not reachable; purging without it');
    }
  }
  const signal = options.signal ? { signal: options.signal } : {};
  const threads = await deps.purgeExpired(signal);
  const requests =
    deps.requestLogRetentionMs > 0 ? await deps.purgeRequests(deps.now() - deps.requestLogRetentionMs, signal) : 0;
  if (threads > 0 || requests > 0)
    deps.logger?.info({ threads, requests }, 'store maintenance: purged expired threads and old request-log rows');
  return { threads, requests, skipped: false };
}

/**
 * Runs a pass every `intervalMs`, each wait jittered by ±25% so instances started together
 * drift apart. The timer is unref'd (it never keeps a process alive); `stop` waits for a pass
 * in progress, after aborting it.
 */
export function startMaintenanceLoop(deps: MaintenanceDeps): { stop(): Promise<void> } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(tick, Math.round(deps.intervalMs * (0.75 + deps.random() * 0.5)));
    timer.unref();
  };
  const tick = () => {
    running = runMaintenancePass(deps, { signal: controller.signal })
      .then(
        () => undefined,
        (error: unknown) => {
          if (!stopped) deps.logger?.warn({ err: error }, 'store maintenance failed; trying again next interval');
        },
      )
      .finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
      await running;
    },
  };
}
