import type { GatewayConfig, Logger } from '@exai/core';
import { createStore, type SharedState, type Store } from '@exai/store';

/**
 * Opens the store the configuration names (SQLite in `dataDir`, or PostgreSQL; Redis for shared
 * state) for a composition root to hand to `createEngine`, and starts its maintenance timer
 * (jittered, unref'd; `store.close()` stops it). With Redis, waits up to 2 s for the shared state so
 * the first call already sees breakers other instances opened; a Redis that is down is logged, not fatal.
 * `sharedState` (the workers of one process group: their primary's) takes the place of Redis or in-process state.
 */
export async function openStore(
  config: GatewayConfig,
  logger: Logger,
  { sharedState }: { sharedState?: SharedState } = {},
): Promise<Store> {
  const options = config.store;
  const store = createStore({
    dataDir: options.dataDir,
    threadTtlMs: options.threadTtlMs,
    maxTurns: options.maxTurns,
    requestLogRetentionMs: options.requestLogRetentionDays * 24 * 3600_000,
    maintenanceIntervalMs: options.maintenanceIntervalMs,
    logger,
    ...(sharedState ? { sharedState } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.redisUrl ? { redisUrl: options.redisUrl, redisPrefix: options.redisPrefix } : {}),
  });
  if (options.redisUrl) {
    await Promise.race([
      store.shared.breakers.get('exai:warm-up'),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]).catch((error: unknown) =>
      logger.warn({ err: error }, 'shared state (Redis) is not reachable; breakers are local until it is'),
    );
  }
  store.startMaintenance();
  return store;
}
