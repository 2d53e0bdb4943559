import { BadRequestError, NotFoundError, type Role } from '@exai/core';
import type { Selectable } from 'kysely';
import { randomId, type StoreContext } from './context.js';
import { deleteOwned, page, scopedRunner, selectOwned, touched } from './repository.js';
import { clampLimit, parseJson, withSignal } from './run.js';
import type { ThreadsTable, TurnsTable } from './schema.js';
import type {
  JsonObject,
  ListOptions,
  NewThread,
  NewTurn,
  OwnerScope,
  SignalOption,
  ThreadRecord,
  TurnRecord,
} from './types.js';

function toThread(row: Selectable<ThreadsTable>): ThreadRecord {
  return {
    id: row.id,
    owner: row.owner,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: Number(row.expires_at),
    title: row.title,
    provider: row.provider,
    model: row.model,
    metadata: parseJson<JsonObject>(row.metadata),
  };
}

function toTurn(row: Selectable<TurnsTable>): TurnRecord {
  return {
    threadId: row.thread_id,
    seq: Number(row.seq),
    role: row.role as Role,
    content: row.content,
    files: parseJson<string[]>(row.files) ?? [],
    tool: row.tool,
    model: row.model,
    provider: row.provider,
    createdAt: Number(row.created_at),
    usage: parseJson<JsonObject>(row.usage),
  };
}

const what = 'the thread store';

export function createThreadRepository(context: StoreContext) {
  const scoped = scopedRunner(context, what);
  const repository = {
    createThread(scope: OwnerScope, thread: NewThread = {}, options: SignalOption = {}): Promise<ThreadRecord> {
      return scoped(scope, options.signal, async (db) => {
        const now = context.now();
        const row = {
          id: thread.id ?? randomId('thr'),
          owner: scope.owner,
          created_at: now,
          updated_at: now,
          expires_at: now + context.threadTtlMs,
          title: thread.title ?? null,
          provider: thread.provider ?? null,
          model: thread.model ?? null,
          metadata: thread.metadata === undefined ? null : JSON.stringify(thread.metadata),
        };
        await db.insertInto('threads').values(row).execute();
        return toThread(row);
      });
    },

    getThread(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<ThreadRecord | undefined> {
      return scoped(scope, options.signal, async (db, owner) => {
        const row = await selectOwned(db, 'threads', owner)
          .where('id', '=', id)
          .where('expires_at', '>', context.now())
          .executeTakeFirst();
        return row ? toThread(row) : undefined;
      });
    },

    appendTurn(scope: OwnerScope, threadId: string, turn: NewTurn, options: SignalOption = {}): Promise<TurnRecord> {
      return repository.appendTurns(scope, threadId, [turn], options).then((records) => records[0]!);
    },

    /** Several turns (a question and its answer) in one transaction: all stored, or none. */
    appendTurns(
      scope: OwnerScope,
      threadId: string,
      turns: readonly NewTurn[],
      options: SignalOption = {},
    ): Promise<TurnRecord[]> {
      return scoped(scope, options.signal, async (db, owner) => {
        return db.transaction().execute(async (transaction) => {
          const now = context.now();
          // Locks the thread row on Postgres so concurrent appends to one thread take turns.
          const thread = await transaction
            .selectFrom('threads')
            .select(['id', 'expires_at'])
            .where('id', '=', threadId)
            .$if(owner !== undefined, (query) => query.where('owner', '=', owner!))
            .$if(context.dialect === 'postgres', (query) => query.forUpdate())
            .executeTakeFirst();
          if (!thread || Number(thread.expires_at) <= now) {
            throw new NotFoundError({
              message: `Thread ${threadId} does not exist or has expired`,
              param: 'thread_id',
            });
          }
          const last = await transaction
            .selectFrom('turns')
            .select((builder) => builder.fn.max('seq').as('seq'))
            .where('thread_id', '=', threadId)
            .executeTakeFirst();
          const count = Number(last?.seq ?? 0);
          if (count + turns.length > context.maxTurns) {
            throw new BadRequestError({
              message: `Thread ${threadId} has reached its limit of ${context.maxTurns} turns; start a new thread`,
              param: 'thread_id',
            });
          }
          if (turns.length === 0) return [];
          const rows = turns.map((turn, index) => ({
            thread_id: threadId,
            seq: count + index + 1,
            role: turn.role,
            content: turn.content,
            files: turn.files?.length ? JSON.stringify(turn.files) : null,
            tool: turn.tool ?? null,
            model: turn.model ?? null,
            provider: turn.provider ?? null,
            created_at: now,
            usage: turn.usage === undefined ? null : JSON.stringify(turn.usage),
          }));
          await transaction.insertInto('turns').values(rows).execute();
          await transaction
            .updateTable('threads')
            .set({ updated_at: now, expires_at: now + context.threadTtlMs })
            .where('id', '=', threadId)
            .execute();
          return rows.map(toTurn);
        });
      });
    },

    listTurns(
      scope: OwnerScope,
      threadId: string,
      options: { limit?: number; signal?: AbortSignal } = {},
    ): Promise<TurnRecord[]> {
      return scoped(scope, options.signal, async (db, owner) => {
        const rows = await db
          .selectFrom('turns')
          .selectAll()
          .where('thread_id', '=', threadId)
          // Turns belong to their thread: only the thread's owner (or an admin) reads them.
          .$if(owner !== undefined, (query) =>
            query.where('thread_id', 'in', (threads) =>
              threads.selectFrom('threads').select('id').where('id', '=', threadId).where('owner', '=', owner!),
            ),
          )
          .orderBy('seq', 'desc')
          .limit(clampLimit(options.limit, context.maxTurns, 100_000))
          .execute();
        return rows.reverse().map(toTurn);
      });
    },

    listThreads(scope: OwnerScope, options: ListOptions = {}): Promise<ThreadRecord[]> {
      return scoped(scope, options.signal, async (db, owner) => {
        const live = selectOwned(db, 'threads', owner).where('expires_at', '>', context.now());
        const rows = await page(live.orderBy('updated_at', 'desc').orderBy('id'), options);
        return rows.map(toThread);
      });
    },

    deleteThread(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<boolean> {
      return scoped(scope, options.signal, async (db, owner) => {
        return db.transaction().execute(async (transaction) => {
          // The thread first, filtered by owner: another owner's turns are never touched.
          const result = await deleteOwned(transaction, 'threads', owner).where('id', '=', id).executeTakeFirst();
          if (!touched(result)) return false;
          await transaction.deleteFrom('turns').where('thread_id', '=', id).execute();
          return true;
        });
      });
    },

    purgeExpired(options: SignalOption = {}): Promise<number> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const now = context.now();
        return db.transaction().execute(async (transaction) => {
          await transaction
            .deleteFrom('turns')
            .where('thread_id', 'in', (query) =>
              query.selectFrom('threads').select('id').where('expires_at', '<=', now),
            )
            .execute();
          const result = await transaction.deleteFrom('threads').where('expires_at', '<=', now).executeTakeFirst();
          return Number(result.numDeletedRows);
        });
      });
    },
  };
  return repository;
}
