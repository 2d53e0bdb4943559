import { CompiledQuery, type Selectable } from 'kysely';
import { randomId, type StoreContext } from './context.js';
import { sqliteOf } from './open-database.js';
import { localOwner } from './owner.js';
import { scopedRunner } from './repository.js';
import { clampLimit, withSignal } from './run.js';
import type { AttemptsTable, RequestsTable } from './schema.js';
import type {
  AttemptRecord,
  ListOptions,
  NewAttempt,
  NewRequest,
  OwnerScope,
  RequestRecord,
  SignalOption,
} from './types.js';

/** The request log: one row per gateway request, one per upstream attempt it made. */

function toAttempt(row: Selectable<AttemptsTable>): AttemptRecord {
  return {
    requestId: row.request_id,
    seq: Number(row.seq),
    provider: row.provider,
    model: row.model,
    outcome: row.outcome,
    errorCode: row.error_code,
    latencyMs: Number(row.latency_ms),
    tokens: row.tokens === null ? null : Number(row.tokens),
    startedAt: Number(row.started_at),
    cost: row.cost === null || row.cost === undefined ? null : Number(row.cost),
    cachedTokens: row.cached_tokens === null || row.cached_tokens === undefined ? null : Number(row.cached_tokens),
    costEstimated: Number(row.cost_estimated ?? 0) === 1,
  };
}

function toRequest(row: Selectable<RequestsTable>, attempts: AttemptRecord[]): RequestRecord {
  return {
    id: row.id,
    createdAt: Number(row.created_at),
    route: row.route,
    model: row.model,
    provider: row.provider,
    status: Number(row.status),
    latencyMs: Number(row.latency_ms),
    tokens: row.tokens === null ? null : Number(row.tokens),
    apiKeyId: row.api_key_id,
    owner: row.owner,
    cache: row.cache === 'hit' || row.cache === 'miss' ? row.cache : null,
    cost: row.cost === null || row.cost === undefined ? null : Number(row.cost),
    currency: row.currency ?? null,
    traceId: row.trace_id ?? null,
    attempts,
  };
}

const what = 'the request log';

type Database = Awaited<ReturnType<StoreContext['database']>>;

/** Rows per statement: well under SQLite's bound-parameter limit (at most 14 columns each). */
const ROWS_PER_STATEMENT = 60;

/** Requests deleted per transaction by `purgeRequests`. */
const PURGE_BATCH = 1_000;

async function insertBatch(
  db: Database,
  batch: Array<{ request: NewRequest; attempts?: NewAttempt[] }>,
  now: number,
): Promise<RequestRecord[]> {
  const requestRows: Array<Selectable<RequestsTable>> = [];
  const attemptRows: Array<Selectable<AttemptsTable>> = [];
  const records: RequestRecord[] = [];
  for (const { request, attempts = [] } of batch) {
    const row = {
      id: request.id ?? randomId('req'),
      created_at: request.createdAt ?? now,
      route: request.route,
      model: request.model ?? null,
      provider: request.provider ?? null,
      status: Math.round(request.status),
      latency_ms: Math.round(request.latencyMs),
      tokens: request.tokens ?? null,
      api_key_id: request.apiKeyId ?? null,
      owner: request.owner ?? localOwner,
      cache: request.cache ?? null,
      cost: request.cost ?? null,
      currency: request.currency ?? null,
      trace_id: request.traceId ?? null,
    };
    const rows = attempts.map((attempt, index) => ({
      request_id: row.id,
      seq: index + 1,
      provider: attempt.provider,
      model: attempt.model,
      outcome: attempt.outcome,
      error_code: attempt.errorCode ?? null,
      latency_ms: Math.round(attempt.latencyMs),
      tokens: attempt.tokens ?? null,
      started_at: attempt.startedAt,
      cost: attempt.cost ?? null,
      cached_tokens: attempt.cachedTokens ?? null,
      cost_estimated: attempt.costEstimated === undefined ? null : attempt.costEstimated ? 1 : 0,
    }));
    requestRows.push(row);
    attemptRows.push(...rows);
    records.push(toRequest(row, rows.map(toAttempt)));
  }
  // SQLite: the writer thread (decision 0035); Postgres, or SQLite where the thread cannot run: Kysely's statements.
  const writer = sqliteOf(db)?.writer();
  if (writer) {
    await writer.write(
      [
        { table: 'requests' as const, rows: requestRows },
        { table: 'attempts' as const, rows: attemptRows },
      ]
        .filter((part) => part.rows.length > 0)
        .map(({ table, rows }) => ({
          table,
          columns: Object.keys(rows[0]!),
          rows: rows.map((row) => Object.values(row).map((value) => value ?? null)),
        })),
    );
    return records;
  }
  await db.transaction().execute(async (transaction) => {
    for (let index = 0; index < requestRows.length; index += ROWS_PER_STATEMENT)
      await insertRows(db, transaction, 'requests', requestRows.slice(index, index + ROWS_PER_STATEMENT));
    for (let index = 0; index < attemptRows.length; index += ROWS_PER_STATEMENT)
      await insertRows(db, transaction, 'attempts', attemptRows.slice(index, index + ROWS_PER_STATEMENT));
  });
  return records;
}

/**
 * The SQL of a multi-row insert per database, table and row count. Every row of a table has the same columns
 * in the same order and every value is a bound parameter, so the text depends on nothing else: compiling it
 * once spares kysely's query tree of thousands of nodes per batch of the request log.
 */
const insertSql = new WeakMap<Database, Map<string, string | null>>();

async function insertRows<T extends object>(
  db: Database,
  transaction: Parameters<Parameters<ReturnType<Database['transaction']>['execute']>[0]>[0],
  table: 'requests' | 'attempts',
  rows: T[],
): Promise<void> {
  let known = insertSql.get(db);
  if (!known) {
    known = new Map();
    insertSql.set(db, known);
  }
  const key = `${table}:${rows.length}`;
  const cached = known.get(key);
  const parameters = cached === null ? undefined : rows.flatMap((row) => Object.values(row));
  // An undefined value (a column kysely would leave out) takes the compiled path.
  if (cached && parameters && !parameters.includes(undefined)) {
    await transaction.executeQuery(CompiledQuery.raw(cached, parameters));
    return;
  }
  const compiled = transaction
    .insertInto(table)
    .values(rows as never)
    .compile();
  // Cached only when kysely binds exactly the rows' values in row and column order (null: never cached).
  const same =
    parameters !== undefined &&
    compiled.parameters.length === parameters.length &&
    compiled.parameters.every((value, index) => value === parameters[index]);
  known.set(key, same ? compiled.sql : null);
  await transaction.executeQuery(compiled);
}

export function createRequestRepository(context: StoreContext) {
  const scoped = scopedRunner(context, what);
  return {
    recordRequest(
      request: NewRequest,
      attempts: NewAttempt[] = [],
      options: SignalOption = {},
    ): Promise<RequestRecord> {
      return withSignal(options.signal, what, async () => {
        const [record] = await insertBatch(await context.database(), [{ request, attempts }], context.now());
        return record!;
      });
    },

    /** Many requests in one transaction (a few multi-row statements): what a buffered request log uses. */
    recordRequests(
      batch: Array<{ request: NewRequest; attempts?: NewAttempt[] }>,
      options: SignalOption = {},
    ): Promise<RequestRecord[]> {
      if (batch.length === 0) return Promise.resolve([]);
      return withSignal(options.signal, what, async () => insertBatch(await context.database(), batch, context.now()));
    },

    listRequests(scope: OwnerScope, options: ListOptions = {}): Promise<RequestRecord[]> {
      return scoped(scope, options.signal, async (db, owner) => {
        const rows = await db
          .selectFrom('requests')
          .selectAll()
          .$if(owner !== undefined, (query) => query.where('owner', '=', owner!))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(clampLimit(options.limit, 100))
          .offset(clampLimit(options.offset, 0, Number.MAX_SAFE_INTEGER))
          .execute();
        if (rows.length === 0) return [];
        const attemptRows = await db
          .selectFrom('attempts')
          .selectAll()
          .where(
            'request_id',
            'in',
            rows.map((row) => row.id),
          )
          .orderBy('request_id')
          .orderBy('seq')
          .execute();
        const byRequest = new Map<string, AttemptRecord[]>();
        for (const attempt of attemptRows.map(toAttempt)) {
          const list = byRequest.get(attempt.requestId) ?? [];
          list.push(attempt);
          byRequest.set(attempt.requestId, list);
        }
        return rows.map((row) => toRequest(row, byRequest.get(row.id) ?? []));
      });
    },

    /**
     * Deletes requests created before `before` (epoch ms) and their attempts, in batches of
     * `PURGE_BATCH` (one short transaction each, so writers are never blocked for long).
     * Returns how many requests were deleted.
     */
    purgeRequests(before: number, options: SignalOption = {}): Promise<number> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        let deleted = 0;
        for (;;) {
          if (options.signal?.aborted) break;
          const count = await db.transaction().execute(async (transaction) => {
            const ids = (
              await transaction
                .selectFrom('requests')
                .select('id')
                .where('created_at', '<', before)
                .orderBy('created_at')
                .limit(PURGE_BATCH)
                .execute()
            ).map((row) => row.id);
            if (ids.length === 0) return 0;
            await transaction.deleteFrom('attempts').where('request_id', 'in', ids).execute();
            await transaction.deleteFrom('requests').where('id', 'in', ids).execute();
            return ids.length;
          });
          deleted += count;
          if (count < PURGE_BATCH) break;
        }
        return deleted;
      });
    },
  };
}
