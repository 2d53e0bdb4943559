import type { StoreContext } from './context.js';
import { keyPrefix, type RedisOptions, type RedisSource, redisHandle } from './redis-connection.js';
import { withSignal } from './run.js';
import type { ResponseCache } from './types.js';

/**
 * The exact response cache's storage: opaque text answers under a request digest, per owner (the key
 * that asked), with an expiry. Two backends behind one interface: the database (a `response_cache`
 * table, one Kysely layer for SQLite and Postgres) and Redis (`<prefix>cache:<owner>:<key>` with a TTL),
 * which the store picks when `redisUrl` is set. The owner is part of the key on both, so no caller
 * reads another's entry.
 */

const what = 'the response cache';

export function createDatabaseResponseCache(context: StoreContext): ResponseCache {
  return {
    kind: 'database',
    get(owner, key, options = {}) {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const row = await db
          .selectFrom('response_cache')
          .select('value')
          .where('owner', '=', owner)
          .where('key', '=', key)
          .where('expires_at', '>', context.now())
          .executeTakeFirst();
        return row?.value;
      });
    },
    set(owner, key, value, ttlMs, options = {}) {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const now = context.now();
        const row = { owner, key, created_at: now, expires_at: now + ttlMs, bytes: Buffer.byteLength(value), value };
        await db
          .insertInto('response_cache')
          .values(row)
          .onConflict((conflict) =>
            conflict
              .columns(['owner', 'key'])
              .doUpdateSet({ created_at: now, expires_at: row.expires_at, bytes: row.bytes, value }),
          )
          .execute();
      });
    },
    purgeExpired(options = {}) {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const result = await db
          .deleteFrom('response_cache')
          .where('expires_at', '<=', context.now())
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
    close: async () => undefined,
  };
}

/** The cache in Redis: entries expire by themselves (`PX`), so there is nothing to purge. */
export function createRedisResponseCache(source: RedisSource, options: RedisOptions = {}): ResponseCache {
  const handle = redisHandle(source, options);
  const prefix = keyPrefix(options);
  const entry = (owner: string, key: string) => `${prefix}cache:${owner.length}:${owner}:${key}`;
  return {
    kind: 'redis',
    async get(owner, key) {
      return (await handle.call((client) => client.get(entry(owner, key)))) ?? undefined;
    },
    async set(owner, key, value, ttlMs) {
      await handle.call((client) => client.set(entry(owner, key), value, 'PX', Math.max(1, Math.ceil(ttlMs))));
    },
    purgeExpired: async () => 0,
    close: () => handle.close(),
  };
}
