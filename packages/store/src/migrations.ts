import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { localOwner } from './owner.js';
import type { StoreDialect } from './types.js';

/**
 * One migration set for both dialects, written with Kysely's schema builder. Types are chosen to
 * mean the same on both: `text`, `bigint` (SQLite: INTEGER affinity; Postgres: int8, parsed to
 * number), `integer`. Only the file-content column differs (`blob` / `bytea`).
 * Applied migrations are recorded in `exai_schema_version`; Kysely's Migrator takes a
 * transaction-scoped advisory lock on Postgres, so concurrent starts wait for each other.
 */

export const schemaVersionTable = 'exai_schema_version';
export const schemaLockTable = 'exai_schema_lock';

function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('threads')
          .ifNotExists()
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addColumn('expires_at', 'bigint', (column) => column.notNull())
          .addColumn('title', 'text')
          .addColumn('provider', 'text')
          .addColumn('model', 'text')
          .addColumn('metadata', 'text')
          .execute();
        await db.schema.createIndex('threads_expires_at').ifNotExists().on('threads').column('expires_at').execute();
        await db.schema.createIndex('threads_updated_at').ifNotExists().on('threads').column('updated_at').execute();

        await db.schema
          .createTable('turns')
          .ifNotExists()
          .addColumn('thread_id', 'text', (column) => column.notNull())
          .addColumn('seq', 'integer', (column) => column.notNull())
          .addColumn('role', 'text', (column) => column.notNull())
          .addColumn('content', 'text', (column) => column.notNull())
          .addColumn('files', 'text')
          .addColumn('tool', 'text')
          .addColumn('model', 'text')
          .addColumn('provider', 'text')
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('usage', 'text')
          .addPrimaryKeyConstraint('turns_primary_key', ['thread_id', 'seq'])
          .execute();

        await db.schema
          .createTable('files')
          .ifNotExists()
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('sha256', 'text', (column) => column.notNull())
          .addColumn('filename', 'text', (column) => column.notNull())
          .addColumn('bytes', 'bigint', (column) => column.notNull())
          .addColumn('content_type', 'text')
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('storage', 'text', (column) => column.notNull())
          .execute();
        await db.schema.createIndex('files_sha256').ifNotExists().on('files').column('sha256').execute();

        await db.schema
          .createTable('file_contents')
          .ifNotExists()
          .addColumn('sha256', 'text', (column) => column.primaryKey())
          .addColumn('content', dialect === 'postgres' ? 'bytea' : 'blob', (column) => column.notNull())
          .execute();

        await db.schema
          .createTable('provider_uploads')
          .ifNotExists()
          .addColumn('provider', 'text', (column) => column.notNull())
          .addColumn('provider_file_id', 'text', (column) => column.notNull())
          .addColumn('sha256', 'text', (column) => column.notNull())
          .addColumn('filename', 'text', (column) => column.notNull())
          .addColumn('purpose', 'text')
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('provider_uploads_primary_key', ['provider', 'provider_file_id'])
          .execute();
        await db.schema
          .createIndex('provider_uploads_sha256')
          .ifNotExists()
          .on('provider_uploads')
          .columns(['provider', 'sha256'])
          .execute();

        await db.schema
          .createTable('requests')
          .ifNotExists()
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('route', 'text', (column) => column.notNull())
          .addColumn('model', 'text')
          .addColumn('provider', 'text')
          .addColumn('status', 'integer', (column) => column.notNull())
          .addColumn('latency_ms', 'integer', (column) => column.notNull())
          .addColumn('tokens', 'integer')
          .addColumn('api_key_id', 'text')
          .execute();
        await db.schema.createIndex('requests_created_at').ifNotExists().on('requests').column('created_at').execute();

        await db.schema
          .createTable('attempts')
          .ifNotExists()
          .addColumn('request_id', 'text', (column) => column.notNull())
          .addColumn('seq', 'integer', (column) => column.notNull())
          .addColumn('provider', 'text', (column) => column.notNull())
          .addColumn('model', 'text', (column) => column.notNull())
          .addColumn('outcome', 'text', (column) => column.notNull())
          .addColumn('error_code', 'text')
          .addColumn('latency_ms', 'integer', (column) => column.notNull())
          .addColumn('tokens', 'integer')
          .addColumn('started_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('attempts_primary_key', ['request_id', 'seq'])
          .execute();

        await db.schema
          .createTable('api_keys')
          .ifNotExists()
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('hash', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('revoked_at', 'bigint')
          .addColumn('rate_limit', 'integer')
          .execute();
      },
    },
    // Tenancy: threads, files and provider uploads belong to an owner. Existing rows get the
    // single-user owner (`local`) through the column default, so nothing is lost; turns belong to
    // their thread. The indexes serve the owner-filtered lists and the per-owner upload dedupe.
    '0002_owners': {
      async up(db: Kysely<unknown>): Promise<void> {
        for (const table of ['threads', 'files', 'provider_uploads']) {
          await db.schema
            .alterTable(table)
            .addColumn('owner', 'text', (column) => column.notNull().defaultTo(localOwner))
            .execute();
        }
        await db.schema
          .createIndex('threads_owner_updated_at')
          .ifNotExists()
          .on('threads')
          .columns(['owner', 'updated_at'])
          .execute();
        await db.schema
          .createIndex('files_owner_created_at')
          .ifNotExists()
          .on('files')
          .columns(['owner', 'created_at'])
          .execute();
        await db.schema
          .createIndex('provider_uploads_owner_sha256')
          .ifNotExists()
          .on('provider_uploads')
          .columns(['owner', 'provider', 'sha256'])
          .execute();
      },
    },
    // Stored Responses API answers (`POST /v1/responses` with `store`), owner-scoped from the start.
    '0003_responses': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('responses')
          .ifNotExists()
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('owner', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('expires_at', 'bigint', (column) => column.notNull())
          .addColumn('response', 'text', (column) => column.notNull())
          .addColumn('conversation', 'text', (column) => column.notNull())
          .addColumn('input_items', 'text', (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex('responses_owner_created_at')
          .ifNotExists()
          .on('responses')
          .columns(['owner', 'created_at'])
          .execute();
        await db.schema
          .createIndex('responses_expires_at')
          .ifNotExists()
          .on('responses')
          .column('expires_at')
          .execute();
      },
    },
    // Keys as a product (owner, allowed models, tokens per minute, budget) and money in the request
    // log; `key_spend` holds each key's spend per budget period, durable across restarts.
    '0004_keys_spend': {
      async up(db: Kysely<unknown>): Promise<void> {
        const money = 'double precision';
        await db.schema.alterTable('api_keys').addColumn('owner', 'text').execute();
        await db.schema.alterTable('api_keys').addColumn('models', 'text').execute();
        await db.schema.alterTable('api_keys').addColumn('tokens_per_minute', 'integer').execute();
        await db.schema.alterTable('api_keys').addColumn('budget_amount', money).execute();
        await db.schema.alterTable('api_keys').addColumn('budget_period', 'text').execute();
        await db.schema.alterTable('api_keys').addColumn('budget_alert', money).execute();
        await db.schema
          .alterTable('api_keys')
          .addColumn('admin', 'integer', (column) => column.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('api_keys_owner').ifNotExists().on('api_keys').column('owner').execute();
        await db.schema.alterTable('requests').addColumn('cost', money).execute();
        await db.schema.alterTable('requests').addColumn('currency', 'text').execute();
        await db.schema.alterTable('attempts').addColumn('cost', money).execute();
        await db.schema.alterTable('attempts').addColumn('cached_tokens', 'integer').execute();
        await db.schema.alterTable('attempts').addColumn('cost_estimated', 'integer').execute();
        await db.schema
          .createIndex('requests_api_key_created_at')
          .ifNotExists()
          .on('requests')
          .columns(['api_key_id', 'created_at'])
          .execute();
        await db.schema
          .createTable('key_spend')
          .ifNotExists()
          .addColumn('key_id', 'text', (column) => column.notNull())
          .addColumn('period', 'text', (column) => column.notNull())
          .addColumn('amount', money, (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('key_spend_primary_key', ['key_id', 'period'])
          .execute();
      },
    },
    // The exact response cache (when no Redis holds it), keyed by owner and request digest; and the
    // cache's verdict in the request log.
    '0005_response_cache': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('response_cache')
          .ifNotExists()
          .addColumn('owner', 'text', (column) => column.notNull())
          .addColumn('key', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('expires_at', 'bigint', (column) => column.notNull())
          .addColumn('bytes', 'integer', (column) => column.notNull())
          .addColumn('value', 'text', (column) => column.notNull())
          .addPrimaryKeyConstraint('response_cache_primary_key', ['owner', 'key'])
          .execute();
        await db.schema
          .createIndex('response_cache_expires_at')
          .ifNotExists()
          .on('response_cache')
          .column('expires_at')
          .execute();
        await db.schema.alterTable('requests').addColumn('cache', 'text').execute();
      },
    },
    // Background responses: a status column, so finishing and cancelling are one compare-and-set each
    // (a response cancelled on one instance is never overwritten by its task finishing on another).
    '0006_background_responses': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .alterTable('responses')
          .addColumn('status', 'text', (column) => column.notNull().defaultTo('completed'))
          .execute();
      },
    },
    // The request log gets its tenant, like threads and files, so every read filters by it. Rows from
    // before belong to their key's tenant: a stored key's owner (or the key), a configured key itself
    // (`key:…`, `admin:…`), and the local tenant for the rest (open mode, MCP, no key).
    '0007_request_owner': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .alterTable('requests')
          .addColumn('owner', 'text', (column) => column.notNull().defaultTo(localOwner))
          .execute();
        await sql`update requests set owner = coalesce(
            (select coalesce(api_keys.owner, api_keys.id) from api_keys where api_keys.id = requests.api_key_id),
            case when api_key_id like 'key:%' or api_key_id like 'admin:%' then api_key_id else ${localOwner} end)
          where api_key_id is not null`.execute(db);
        await db.schema
          .createIndex('requests_owner_created_at')
          .ifNotExists()
          .on('requests')
          .columns(['owner', 'created_at'])
          .execute();
      },
    },
    // The caller's trace id (a `traceparent` header, an MCP `_meta.traceparent`): a host's trace finds its row.
    '0008_request_trace': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('requests').addColumn('trace_id', 'text').execute();
      },
    },
  };
}

/**
 * Applies pending migrations; safe to call from several processes at once. With `target`, stops
 * after that migration (tests build a database of an older schema this way).
 */
export async function migrate(
  db: Kysely<unknown>,
  dialect: StoreDialect,
  schema: string | undefined,
  target?: string,
): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: schemaVersionTable,
    migrationLockTableName: schemaLockTable,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const run = () => (target ? migrator.migrateTo(target) : migrator.migrateToLatest());
  let result = await run();
  if (result.error) {
    // Another process may have created the same objects between our check and our write
    // (SQLite has no migration lock across processes): look again once before failing.
    result = await run();
  }
  if (result.error) throw result.error;
  return (result.results ?? []).filter((item) => item.status === 'Success').map((item) => item.migrationName);
}
