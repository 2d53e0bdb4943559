import type { Selectable } from 'kysely';
import { randomId, type StoreContext } from './context.js';
import { clampLimit, withSignal } from './run.js';
import type { AttemptsTable, RequestsTable } from './schema.js';
import type { AttemptRecord, ListOptions, NewAttempt, NewRequest, RequestRecord, SignalOption } from './types.js';

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
    attempts,
  };
}

const what = 'the request log';

export function createRequestRepository(context: StoreContext) {
  return {
    recordRequest(request: NewRequest, attempts: NewAttempt[] = [], options: SignalOption = {}): Promise<RequestRecord> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const row = {
          id: request.id ?? randomId('req'),
          created_at: request.createdAt ?? context.now(),
          route: request.route,
          model: request.model ?? null,
          provider: request.provider ?? null,
          status: Math.round(request.status),
          latency_ms: Math.round(request.latencyMs),
          tokens: request.tokens ?? null,
          api_key_id: request.apiKeyId ?? null,
        };
        const attemptRows = attempts.map((attempt, index) => ({
          request_id: row.id,
          seq: index + 1,
          provider: attempt.provider,
          model: attempt.model,
          outcome: attempt.outcome,
          error_code: attempt.errorCode ?? null,
          latency_ms: Math.round(attempt.latencyMs),
          tokens: attempt.tokens ?? null,
          started_at: attempt.startedAt,
        }));
        await db.transaction().execute(async (transaction) => {
          await transaction.insertInto('requests').values(row).execute();
          if (attemptRows.length > 0) await transaction.insertInto('attempts').values(attemptRows).execute();
        });
        return toRequest(row, attemptRows.map(toAttempt));
      });
    },

    listRequests(options: ListOptions = {}): Promise<RequestRecord[]> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const rows = await db
          .selectFrom('requests')
          .selectAll()
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
  };
}
