import { homedir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError } from '@exai/core';
import type { Kysely } from 'kysely';
import { createApiKeyRepository } from './api-keys.js';
import type { StoreContext } from './context.js';
import { createFileRepository } from './files.js';
import { type MaintenanceDeps, runMaintenancePass, startMaintenanceLoop } from './maintenance.js';
import type { OpenedDatabase } from './open-database.js';
import { createProviderUploadRepository } from './provider-uploads.js';
import { createRequestRepository } from './requests.js';
import { createDatabaseResponseCache, createRedisResponseCache } from './response-cache.js';
import { createResponseRepository } from './responses.js';
import { toStoreError, unavailableMessage, withSignal } from './run.js';
import type { Database } from './schema.js';
import { createSharedState } from './shared-state.js';
import { createRedisSpend, createSpendRepository, type RedisSpend } from './spend.js';
import { createThreadRepository } from './threads.js';
import type { ResponseCache, SharedState, Store, StoreOptions } from './types.js';

export const storeDefaults = {
  threadTtlMs: 3 * 24 * 3600_000,
  maxTurns: 50,
  poolSize: 10,
  redisPrefix: 'exai:',
  requestLogRetentionMs: 30 * 24 * 3600_000,
  maintenanceIntervalMs: 15 * 60_000,
} as const;

/** Where the SQLite file lives when no `dataDir` is given. */
export function defaultDataDir(): string {
  return join(homedir(), '.exai');
}

/**
 * Creates the store. Nothing is opened here: the database is opened and migrated on first use
 * (or `ready()`), so a process that never touches the store pays nothing at start.
 * Postgres when `databaseUrl` is set, otherwise SQLite at `<dataDir>/exai.sqlite`.
 */
export function createStore(options: StoreOptions = {}): Store {
  const dialect = options.databaseUrl ? 'postgres' : 'sqlite';
  const dataDir = options.dataDir ?? defaultDataDir();
  const target = dialect === 'postgres' ? 'Postgres' : 'SQLite';
  let opening: Promise<OpenedDatabase> | undefined;
  let shared: SharedState | undefined = options.sharedState;
  let cache: ResponseCache | undefined;
  let redisSpend: RedisSpend | undefined;
  let closed = false;
  let maintenance: { stop(): Promise<void> } | undefined;

  async function open(): Promise<OpenedDatabase> {
    // Kysely and the drivers load here, on first use, not when the package is imported.
    const [{ openPostgres, openSqlite }, { migrate }] = await Promise.all([
      import('./open-database.js'),
      import('./migrations.js'),
    ]);
    const opened = options.databaseUrl
      ? await openPostgres(options.databaseUrl, options.poolSize ?? storeDefaults.poolSize)
      : await openSqlite(dataDir);
    try {
      const applied = await migrate(opened.db as unknown as Kysely<unknown>, dialect, opened.schema);
      if (applied.length > 0) options.logger?.info({ migrations: applied, dialect }, 'store: applied migrations');
      return opened;
    } catch (error) {
      await opened.db.destroy().catch(() => undefined);
      throw error;
    }
  }

  async function database(): Promise<Kysely<Database>> {
    if (closed) throw new StoreUnavailableError({ message: `The gateway's store (${target}) is closed` });
    opening ??= open().catch((error: unknown) => {
      opening = undefined; // let the next call try again
      throw toStoreError(error, target);
    });
    return (await opening).db;
  }

  const context: StoreContext = {
    dialect,
    database,
    now: options.now ?? Date.now,
    dataDir,
    threadTtlMs: options.threadTtlMs ?? storeDefaults.threadTtlMs,
    maxTurns: options.maxTurns ?? storeDefaults.maxTurns,
  };

  const sharedState = (): SharedState => {
    shared ??= createSharedState({
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      prefix: options.redisPrefix ?? storeDefaults.redisPrefix,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return shared;
  };
  const responseCache = (): ResponseCache => {
    cache ??= options.redisUrl
      ? createRedisResponseCache(options.redisUrl, {
          prefix: options.redisPrefix ?? storeDefaults.redisPrefix,
          ...(options.logger ? { logger: options.logger } : {}),
        })
      : createDatabaseResponseCache(context);
    return cache;
  };
  const spendCounter = (): RedisSpend | undefined => {
    if (!options.redisUrl || closed) return undefined;
    redisSpend ??= createRedisSpend(options.redisUrl, {
      prefix: options.redisPrefix ?? storeDefaults.redisPrefix,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return redisSpend;
  };
  const threads = createThreadRepository(context);
  const requests = createRequestRepository(context);
  const responses = createResponseRepository(context);
  const maintenanceDeps: MaintenanceDeps = {
    // Expired threads, stored responses and cached answers, counted together.
    purgeExpired: async (purgeOptions) =>
      (await threads.purgeExpired(purgeOptions)) +
      (await responses.purgeExpiredResponses(purgeOptions)) +
      (cache ? await cache.purgeExpired(purgeOptions) : 0),
    purgeRequests: (before, purgeOptions) => requests.purgeRequests(before, purgeOptions),
    semaphore: () => sharedState().semaphore,
    now: context.now,
    logger: options.logger,
    requestLogRetentionMs: options.requestLogRetentionMs ?? storeDefaults.requestLogRetentionMs,
    intervalMs: options.maintenanceIntervalMs ?? storeDefaults.maintenanceIntervalMs,
    random: options.random ?? Math.random,
  };

  return {
    dialect,
    runMaintenance: (runOptions = {}) => runMaintenancePass(maintenanceDeps, runOptions),
    startMaintenance() {
      if (closed || maintenance || maintenanceDeps.intervalMs <= 0) return;
      maintenance = startMaintenanceLoop(maintenanceDeps);
    },
    ready: (readyOptions = {}) => withSignal(readyOptions.signal, target, async () => void (await database())),
    async close() {
      closed = true;
      await maintenance?.stop();
      maintenance = undefined;
      const pending = opening;
      opening = undefined;
      await shared?.close();
      shared = undefined;
      await redisSpend?.close();
      redisSpend = undefined;
      await cache?.close();
      cache = undefined;
      if (pending) await pending.then((opened) => opened.db.destroy()).catch(() => undefined);
    },
    get shared() {
      return sharedState();
    },
    get responseCache() {
      return responseCache();
    },
    ...namingTheStore(target, {
      ...threads,
      ...createFileRepository(context),
      ...createProviderUploadRepository(context),
      ...requests,
      ...createApiKeyRepository(context),
      ...createSpendRepository(context, spendCounter),
      ...responses,
    }),
  };
}

type Repository = Record<string, (...args: never[]) => Promise<unknown>>;

/** Repositories describe what failed ("the thread store"); callers are told which store: Postgres or SQLite. */
function namingTheStore<T extends Repository>(store: string, repository: T): T {
  const message = unavailableMessage(store);
  const named: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repository)) {
    named[name] = (...args: never[]) =>
      method(...args).catch((error: unknown) => {
        if (!StoreUnavailableError.isInstance(error) || error.message.includes(`(${store})`)) throw error;
        throw new StoreUnavailableError({ message, cause: error.cause ?? error });
      });
  }
  return named as T;
}
