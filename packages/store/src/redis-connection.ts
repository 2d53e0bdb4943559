import type { Logger } from '@exai/core';
import type { Redis } from 'ioredis';
import { toStoreError } from './run.js';

/** A Redis client, or a `redis://` URL for which one is created (and closed) on demand. */
export type RedisSource = Redis | string;

export interface RedisOptions {
  /** Prefix of every key and channel. Default `exai:`. */
  prefix?: string;
  logger?: Logger;
}

export interface RedisHandle {
  /** The command connection; connects on first use. */
  client(): Promise<Redis>;
  /** A new connection for SUBSCRIBE (a subscribed connection cannot run other commands). */
  subscriber(): Promise<Redis>;
  close(): Promise<void>;
}

async function createClient(url: string, logger: Logger | undefined): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  // Fail commands after a couple of reconnect attempts instead of queueing them forever.
  const client = new RedisClient(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5_000 });
  watchErrors(client, logger);
  return client;
}

function watchErrors(client: Redis, logger: Logger | undefined): void {
  client.on('error', (error: Error) => logger?.warn({ err: error }, 'store: redis connection error'));
}

export function redisHandle(source: RedisSource, options: RedisOptions = {}): RedisHandle {
  let client: Promise<Redis> | undefined;
  const owned: Redis[] = [];
  return {
    client() {
      client ??= (async () => {
        if (typeof source !== 'string') return source;
        const created = await createClient(source, options.logger);
        owned.push(created);
        return created;
      })();
      return client;
    },
    async subscriber() {
      const base = await this.client();
      const duplicate = base.duplicate({ lazyConnect: true, maxRetriesPerRequest: 2 });
      watchErrors(duplicate, options.logger);
      owned.push(duplicate);
      try {
        await duplicate.connect();
      } catch (error) {
        throw toStoreError(error, 'Redis');
      }
      return duplicate;
    },
    async close() {
      await Promise.all(owned.splice(0).map((connection) => connection.quit().catch(() => connection.disconnect())));
      client = undefined;
    },
  };
}

/** Runs a Redis command, turning failures into typed gateway errors. */
export async function redisCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error, 'Redis');
  }
}

export function keyPrefix(options: RedisOptions): string {
  return options.prefix ?? 'exai:';
}
