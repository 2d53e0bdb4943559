import { StoreUnavailableError } from '@exai/core';
import { sql } from 'kysely';
import type { StoreContext } from './context.js';
import { keyPrefix, type RedisOptions, type RedisSource, redisHandle } from './redis-connection.js';
import { scripted } from './redis-scripts.js';
import { scopedRunner } from './repository.js';
import { withSignal } from './run.js';
import type { OwnerScope, SignalOption, SpendReservation, SpendRow } from './types.js';

/**
 * Spend per key and budget period. The database row (`key_spend`) is the durable record: it
 * survives restarts and is what an empty Redis is seeded from. With Redis, the reservation a
 * call makes before it runs is one Lua script on one counter, so every instance admits against
 * the same total; without Redis, the same check-and-add is one conditional UPDATE.
 */

const what = 'the spend ledger';

/** Period counters live a little over a month in Redis; the database keeps them for good. */
const REDIS_TTL_MS = 40 * 24 * 3600_000;

export interface RedisSpend {
  /** `undefined` when the counter is not in Redis yet (seed it and ask again). */
  reserve(key: string, limit: number, amount: number, seed?: number): Promise<SpendReservation | undefined>;
  add(key: string, delta: number): Promise<void>;
  close(): Promise<void>;
}

export function createRedisSpend(source: RedisSource, options: RedisOptions = {}): RedisSpend {
  const handle = redisHandle(source, options);
  const prefix = keyPrefix(options);
  return {
    async reserve(key, limit, amount, seed) {
      const [allowed, spent] = await handle.call((client) =>
        scripted(client).exaiReserveSpend(
          `${prefix}spend:${key}`,
          String(limit),
          String(amount),
          REDIS_TTL_MS,
          seed === undefined ? '' : String(seed),
        ),
      );
      if (Number(allowed) < 0) return undefined;
      return { allowed: Number(allowed) === 1, spent: Number(spent) };
    },
    async add(key, delta) {
      await handle.call((client) => scripted(client).exaiAddSpend(`${prefix}spend:${key}`, String(delta)));
    },
    close: () => handle.close(),
  };
}

const unavailable = (error: unknown) => StoreUnavailableError.isInstance(error);

export function createSpendRepository(context: StoreContext, redis: () => RedisSpend | undefined) {
  const scoped = scopedRunner(context, what);
  const counterKey = (keyId: string, period: string) => `${keyId}:${period}`;

  async function addDurable(keyId: string, period: string, delta: number): Promise<void> {
    const db = await context.database();
    const now = context.now();
    await db
      .insertInto('key_spend')
      .values({ key_id: keyId, period, amount: delta, updated_at: now })
      .onConflict((conflict) =>
        conflict
          .columns(['key_id', 'period'])
          .doUpdateSet({ amount: sql`key_spend.amount + ${delta}`, updated_at: now }),
      )
      .execute();
  }

  async function durable(keyId: string, period: string): Promise<number> {
    const db = await context.database();
    const row = await db
      .selectFrom('key_spend')
      .select('amount')
      .where('key_id', '=', keyId)
      .where('period', '=', period)
      .executeTakeFirst();
    return row ? Number(row.amount) : 0;
  }

  /** The database's conditional add: the row's amount grows only while it is under the limit. */
  async function reserveDurable(keyId: string, period: string, limit: number, amount: number) {
    const db = await context.database();
    const now = context.now();
    await db
      .insertInto('key_spend')
      .values({ key_id: keyId, period, amount: 0, updated_at: now })
      .onConflict((conflict) => conflict.columns(['key_id', 'period']).doNothing())
      .execute();
    const result = await db
      .updateTable('key_spend')
      .set({ amount: sql`amount + ${amount}`, updated_at: now })
      .where('key_id', '=', keyId)
      .where('period', '=', period)
      .where('amount', '<', limit)
      .executeTakeFirst();
    return { allowed: Number(result.numUpdatedRows) > 0, spent: await durable(keyId, period) };
  }

  return {
    reserveSpend(
      keyId: string,
      period: string,
      limit: number,
      amount: number,
      options: SignalOption = {},
    ): Promise<SpendReservation> {
      return withSignal(options.signal, what, async () => {
        const shared = redis();
        if (shared) {
          try {
            const key = counterKey(keyId, period);
            const first = await shared.reserve(key, limit, amount);
            if (first) return first;
            const seeded = await shared.reserve(key, limit, amount, await durable(keyId, period));
            if (seeded) return seeded;
          } catch (error) {
            // Redis down: the database's conditional add still holds across instances.
            if (!unavailable(error)) throw error;
          }
        }
        return reserveDurable(keyId, period, limit, amount);
      });
    },

    settleSpend(
      keyId: string,
      period: string,
      reserved: number,
      actual: number,
      options: SignalOption = {},
    ): Promise<void> {
      return withSignal(options.signal, what, async () => {
        const shared = redis();
        if (!shared) {
          if (actual !== reserved) await addDurable(keyId, period, actual - reserved);
          return;
        }
        await shared.add(counterKey(keyId, period), actual - reserved).catch((error: unknown) => {
          if (!unavailable(error)) throw error;
        });
        if (actual !== 0) await addDurable(keyId, period, actual);
      });
    },

    getSpend(keyId: string, period: string, options: SignalOption = {}): Promise<number> {
      return withSignal(options.signal, what, () => durable(keyId, period));
    },

    spendSummary(scope: OwnerScope, options: SignalOption & { since: number; until?: number }): Promise<SpendRow[]> {
      return scoped(scope, options.signal, async (db, owner) => {
        let query = db
          .selectFrom('attempts')
          .innerJoin('requests', 'requests.id', 'attempts.request_id')
          .select([
            'requests.api_key_id as apiKeyId',
            'attempts.provider as provider',
            'attempts.model as model',
            sql<number>`coalesce(sum(attempts.cost), 0)`.as('cost'),
            sql<number>`count(*)`.as('attempts'),
            sql<number>`coalesce(sum(attempts.cached_tokens), 0)`.as('cachedTokens'),
          ])
          .where('requests.created_at', '>=', options.since);
        if (options.until !== undefined) query = query.where('requests.created_at', '<', options.until);
        if (owner !== undefined) query = query.where('requests.owner', '=', owner);
        const rows = await query
          .groupBy(['requests.api_key_id', 'attempts.provider', 'attempts.model'])
          .orderBy('cost', 'desc')
          .execute();
        return rows.map((row) => ({
          apiKeyId: row.apiKeyId,
          provider: row.provider,
          model: row.model,
          cost: Number(row.cost),
          attempts: Number(row.attempts),
          cachedTokens: Number(row.cachedTokens),
        }));
      });
    },
  };
}
