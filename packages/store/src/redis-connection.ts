import { type GatewayError, type Logger, StoreUnavailableError } from '@exai/core';
import type { RedisOptions as IORedisOptions, Redis } from 'ioredis';
import { toStoreError, unavailableMessage } from './run.js';

/** A Redis client, or a `redis://` URL for which one is created (and closed) on demand. */
export type RedisSource = Redis | string;

export interface RedisOptions {
  /** Prefix of every key and channel. Default `exai:`. */
  prefix?: string;
  logger?: Logger;
  /** A command without an answer after this many ms fails, and its caller falls back. Default 1000. */
  commandTimeoutMs?: number;
  /** Shared by the parts of one shared-state set, so an outage is logged once (see `createRedisHealth`). */
  health?: RedisHealth;
}

export const redisDefaults = {
  commandTimeoutMs: 1_000,
  connectTimeoutMs: 2_000,
  /** After a failure, calls fail at once (and fall back) for this long before Redis is tried again. */
  retryAfterFailureMs: 1_000,
} as const;

/**
 * Whether Redis is answering, for the parts of one shared-state set: the first failure of an outage
 * is logged (warn), the first answer after it too (info); nothing per request. While an outage lasts,
 * calls fail at once for `retryAfterFailureMs` between tries instead of each waiting the command timeout.
 */
export interface RedisHealth {
  failed(error: unknown): void;
  answered(): void;
  /** True while calls should not wait for Redis. */
  readonly skipping: boolean;
}

export function createRedisHealth(logger: Logger | undefined, now: () => number = Date.now): RedisHealth {
  let down = false;
  let retryAt = 0;
  return {
    failed(error) {
      retryAt = now() + redisDefaults.retryAfterFailureMs;
      if (down) return;
      down = true;
      logger?.warn(
        { err: error },
        'shared state (Redis) is unavailable: rate limits, provider slots and breakers use this instance’s own ' +
          'state until it answers',
      );
    },
    answered() {
      retryAt = 0;
      if (!down) return;
      down = false;
      logger?.info('shared state (Redis) answers again');
    },
    get skipping() {
      return down && now() < retryAt;
    },
  };
}

export interface RedisHandle {
  /** The command connection; connects on first use. */
  client(): Promise<Redis>;
  /** A new connection for SUBSCRIBE (a subscribed connection cannot run other commands). */
  subscriber(): Promise<Redis>;
  /** Runs a command: typed errors, outage bookkeeping, and an immediate failure while an outage is being skipped. */
  call<T>(work: (client: Redis) => Promise<T>): Promise<T>;
  readonly health: RedisHealth;
  close(): Promise<void>;
}

/**
 * Request-path connection: no offline queue (a command while disconnected fails at once), a command
 * timeout (a Redis that stops answering fails the command instead of stalling the request), and
 * reconnects forever with a capped backoff.
 */
function clientOptions(commandTimeoutMs: number): IORedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: redisDefaults.connectTimeoutMs,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2_000),
  };
}

async function createClient(url: string, commandTimeoutMs: number, health: RedisHealth): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient(url, clientOptions(commandTimeoutMs));
  watch(client, health);
  // A Redis that is down now is retried in the background (retryStrategy); commands fail until then.
  await client.connect().catch((error: unknown) => health.failed(error));
  return client;
}

function watch(client: Redis, health: RedisHealth): void {
  client.on('error', (error: Error) => health.failed(error));
}

function unavailable(): GatewayError {
  return new StoreUnavailableError({ message: unavailableMessage('Redis') });
}

export function redisHandle(source: RedisSource, options: RedisOptions = {}): RedisHandle {
  let client: Promise<Redis> | undefined;
  const owned: Redis[] = [];
  const health = options.health ?? createRedisHealth(options.logger);
  const commandTimeoutMs = options.commandTimeoutMs ?? redisDefaults.commandTimeoutMs;
  return {
    health,
    client() {
      client ??= (async () => {
        if (typeof source !== 'string') return source;
        const created = await createClient(source, commandTimeoutMs, health);
        owned.push(created);
        return created;
      })();
      return client;
    },
    async subscriber() {
      const base = await this.client();
      // Off the request path: SUBSCRIBE may wait in the queue for a connection, and ioredis
      // subscribes again after every reconnect.
      const duplicate = base.duplicate({
        lazyConnect: true,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        commandTimeout: undefined,
      });
      watch(duplicate, health);
      owned.push(duplicate);
      await duplicate.connect().catch((error: unknown) => health.failed(error));
      return duplicate;
    },
    async call(work) {
      if (health.skipping) throw unavailable();
      try {
        const result = await work(await this.client());
        health.answered();
        return result;
      } catch (error) {
        const typed = toStoreError(error, 'Redis');
        if (typed.code === 'store_unavailable') health.failed(error);
        throw typed;
      }
    },
    async close() {
      await Promise.all(owned.splice(0).map((connection) => connection.quit().catch(() => connection.disconnect())));
      client = undefined;
    },
  };
}

export function keyPrefix(options: RedisOptions): string {
  return options.prefix ?? 'exai:';
}

/** A part of the store that holds a Redis connection, and lets it go. */
export interface RedisBacked {
  close(): Promise<void>;
}

/** Builds a Redis-backed part from its connection and key prefix; its `close` closes the connection. */
export function onRedis<T>(
  source: RedisSource,
  options: RedisOptions,
  build: (handle: RedisHandle, prefix: string) => T,
): T & RedisBacked {
  const handle = redisHandle(source, options);
  return { ...build(handle, keyPrefix(options)), close: () => handle.close() };
}
