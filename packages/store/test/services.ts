import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { StoreOptions } from '../src/index.js';

/**
 * Test locations. Postgres and Redis are real servers on loopback (CI starts them); when one is
 * down the tests fail with a message saying how to start it, never skip.
 */

export const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A place a store can live in, made empty for each test. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  location(): Promise<StoreOptions>;
  cleanup(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const directories: string[] = [];
  return {
    name: 'sqlite',
    async location() {
      const directory = await mkdtemp(join(tmpdir(), 'exai-store-test-'));
      directories.push(directory);
      return { dataDir: directory };
    },
    async cleanup() {
      await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
    },
  };
}

/** Each location is a fresh schema, selected through `search_path` in the connection string. */
export function postgresBackend(): Backend {
  const schemas: string[] = [];
  let admin: pg.Client | undefined;
  async function connect(): Promise<pg.Client> {
    if (admin) return admin;
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(
        `Postgres is not reachable at ${postgresUrl} (${(error as Error).message}). Start it (CI: .ci/run starts it) or set TEST_DATABASE_URL.`,
      );
    }
    admin = client;
    return client;
  }
  return {
    name: 'postgres',
    async location() {
      const client = await connect();
      const schema = uniqueName('exai_test');
      await client.query(`create schema ${schema}`);
      schemas.push(schema);
      return { databaseUrl: schemaUrl(schema), poolSize: 4 };
    },
    async cleanup() {
      if (!admin) return;
      for (const schema of schemas.splice(0)) await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
      admin = undefined;
    },
  };
}

export function schemaUrl(schema: string): string {
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A connected Redis client, or an error saying Redis is down. */
export async function connectRedis(): Promise<Redis> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${redisUrl} (${(error as Error).message}). Start it (CI: .ci/run starts it) or set TEST_REDIS_URL.`,
    );
  }
  return client;
}
