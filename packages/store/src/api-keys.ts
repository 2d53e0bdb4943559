import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { StoreContext } from './context.js';
import { page, touched } from './repository.js';
import { withSignal } from './run.js';
import type { ApiKeysTable } from './schema.js';
import type { ApiKeyPolicy, ApiKeyRecord, BudgetPeriod, CreatedApiKey, ListOptions, SignalOption } from './types.js';

/**
 * Gateway API keys look like `sk-exai-<16 hex id>-<43 base64url secret>`. Only the SHA-256 of the
 * whole key is stored. Verification looks the row up by the id inside the key, then compares the
 * hashes with `timingSafeEqual`, so the time taken says nothing about how much of a guess was right.
 */

const keyPattern = /^sk-exai-([0-9a-f]{16})-([A-Za-z0-9_-]{43})$/;

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    rateLimit: row.rate_limit === null ? null : Number(row.rate_limit),
    owner: row.owner ?? null,
    models: row.models ? (JSON.parse(row.models) as string[]) : null,
    tokensPerMinute: row.tokens_per_minute === null ? null : Number(row.tokens_per_minute),
    budget:
      row.budget_amount === null || row.budget_amount === undefined
        ? null
        : {
            amount: Number(row.budget_amount),
            period: (row.budget_period ?? 'total') as BudgetPeriod,
            ...(row.budget_alert === null ? {} : { alertAt: Number(row.budget_alert) }),
          },
    admin: Number(row.admin ?? 0) === 1,
  };
}

const what = 'the API key store';

export function createApiKeyRepository(context: StoreContext) {
  return {
    createApiKey(name: string, options: SignalOption & ApiKeyPolicy = {}): Promise<CreatedApiKey> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const idPart = randomBytes(8).toString('hex');
        const key = `sk-exai-${idPart}-${randomBytes(32).toString('base64url')}`;
        const id = `key_${idPart}`;
        await db
          .insertInto('api_keys')
          .values({
            id,
            name,
            hash: hashKey(key).toString('hex'),
            created_at: context.now(),
            revoked_at: null,
            rate_limit: options.rateLimit ?? null,
            owner: options.owner ?? null,
            models: options.models ? JSON.stringify(options.models) : null,
            tokens_per_minute: options.tokensPerMinute ?? null,
            budget_amount: options.budget?.amount ?? null,
            budget_period: options.budget?.period ?? null,
            budget_alert: options.budget?.alertAt ?? null,
            admin: options.admin ? 1 : 0,
          })
          .execute();
        return { id, key };
      });
    },

    verifyApiKey(key: string, options: SignalOption = {}): Promise<ApiKeyRecord | undefined> {
      return withSignal(options.signal, what, async () => {
        const match = keyPattern.exec(key.trim());
        if (!match) return undefined;
        const db = await context.database();
        const row = await db.selectFrom('api_keys').selectAll().where('id', '=', `key_${match[1]}`).executeTakeFirst();
        const presented = hashKey(key.trim());
        const stored = row ? Buffer.from(row.hash, 'hex') : Buffer.alloc(presented.length);
        const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
        if (!row || !equal || row.revoked_at !== null) return undefined;
        return toApiKey(row);
      });
    },

    revokeApiKey(id: string, options: SignalOption & { owner?: string } = {}): Promise<boolean> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        let query = db
          .updateTable('api_keys')
          .set({ revoked_at: context.now() })
          .where('id', '=', id)
          .where('revoked_at', 'is', null);
        if (options.owner !== undefined) query = query.where('owner', '=', options.owner);
        const result = await query.executeTakeFirst();
        return touched(result);
      });
    },

    getApiKey(id: string, options: SignalOption & { owner?: string } = {}): Promise<ApiKeyRecord | undefined> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        let query = db.selectFrom('api_keys').selectAll().where('id', '=', id);
        if (options.owner !== undefined) query = query.where('owner', '=', options.owner);
        const row = await query.executeTakeFirst();
        return row ? toApiKey(row) : undefined;
      });
    },

    listApiKeys(options: ListOptions & { owner?: string } = {}): Promise<ApiKeyRecord[]> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        let query = db.selectFrom('api_keys').selectAll();
        if (options.owner !== undefined) query = query.where('owner', '=', options.owner);
        const rows = await page(query.orderBy('created_at', 'desc').orderBy('id'), options);
        return rows.map(toApiKey);
      });
    },
  };
}
