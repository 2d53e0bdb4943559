import type { Selectable } from 'kysely';
import type { StoreContext } from './context.js';
import { ownerFilter } from './owner.js';
import { parseJson, withSignal } from './run.js';
import type { ResponsesTable } from './schema.js';
import type {
  JsonObject,
  JsonValue,
  NewStoredResponse,
  OwnerScope,
  ResponseTransition,
  SignalOption,
  StoredResponseRecord,
} from './types.js';

/**
 * Stored Responses API answers (`POST /v1/responses` with `store`), owner-scoped like threads:
 * every read and delete filters by owner in SQL, so another tenant's id answers as unknown. The
 * store keeps the three JSON documents opaque; their shape belongs to the app's mapper.
 */

function toRecord(row: Selectable<ResponsesTable>): StoredResponseRecord {
  return {
    id: row.id,
    owner: row.owner,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    response: parseJson<JsonObject>(row.response) ?? {},
    conversation: parseJson<JsonValue[]>(row.conversation) ?? [],
    inputItems: parseJson<JsonValue[]>(row.input_items) ?? [],
    status: row.status,
  };
}

const what = 'the response store';

export function createResponseRepository(context: StoreContext) {
  return {
    /** Stores a response, or replaces the caller's own response of that id (a background response finishing). */
    putResponse(
      scope: OwnerScope,
      record: NewStoredResponse,
      options: SignalOption = {},
    ): Promise<StoredResponseRecord> {
      ownerFilter(scope);
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const now = context.now();
        const row = {
          id: record.id,
          owner: scope.owner,
          created_at: now,
          expires_at: now + context.threadTtlMs,
          response: JSON.stringify(record.response),
          conversation: JSON.stringify(record.conversation),
          input_items: JSON.stringify(record.inputItems),
          status: record.status ?? 'completed',
        };
        await db
          .insertInto('responses')
          .values(row)
          .onConflict((conflict) =>
            conflict
              .column('id')
              .doUpdateSet({
                response: row.response,
                conversation: row.conversation,
                input_items: row.input_items,
                status: row.status,
              })
              .where('responses.owner', '=', scope.owner),
          )
          .execute();
        return toRecord(row);
      });
    },

    /** Undefined when missing, expired or another owner's (the same answer for all three). */
    getResponse(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<StoredResponseRecord | undefined> {
      const owner = ownerFilter(scope);
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const row = await db
          .selectFrom('responses')
          .selectAll()
          .where('id', '=', id)
          .$if(owner !== undefined, (query) => query.where('owner', '=', owner!))
          .where('expires_at', '>', context.now())
          .executeTakeFirst();
        return row ? toRecord(row) : undefined;
      });
    },

    /** False when missing or another owner's. */
    deleteResponse(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<boolean> {
      const owner = ownerFilter(scope);
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const result = await db
          .deleteFrom('responses')
          .where('id', '=', id)
          .$if(owner !== undefined, (query) => query.where('owner', '=', owner!))
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    /** Compare-and-set of a background response's status (see `Store.transitionResponse`). */
    transitionResponse(
      scope: OwnerScope,
      id: string,
      transition: ResponseTransition,
      options: SignalOption = {},
    ): Promise<boolean> {
      const owner = ownerFilter(scope);
      if (transition.from.length === 0) return Promise.resolve(false);
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const result = await db
          .updateTable('responses')
          .set({
            status: transition.status,
            response: JSON.stringify(transition.response),
            ...(transition.conversation ? { conversation: JSON.stringify(transition.conversation) } : {}),
          })
          .where('id', '=', id)
          .where('status', 'in', [...transition.from])
          .$if(owner !== undefined, (query) => query.where('owner', '=', owner!))
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      });
    },

    /** Deletes expired responses of every owner; returns how many. */
    purgeExpiredResponses(options: SignalOption = {}): Promise<number> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const result = await db.deleteFrom('responses').where('expires_at', '<=', context.now()).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}
