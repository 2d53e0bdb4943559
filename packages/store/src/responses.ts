import type { Selectable } from 'kysely';
import type { StoreContext } from './context.js';
import { ownerFilter } from './owner.js';
import { deleteOwned, scopedRunner, selectOwned, touched } from './repository.js';
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
  const scoped = scopedRunner(context, what);
  return {
    /** Stores a response, or replaces the caller's own response of that id (a background response finishing). */
    putResponse(
      scope: OwnerScope,
      record: NewStoredResponse,
      options: SignalOption = {},
    ): Promise<StoredResponseRecord> {
      return scoped(scope, options.signal, async (db) => {
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
      return scoped(scope, options.signal, async (db, owner) => {
        const row = await selectOwned(db, 'responses', owner)
          .where('id', '=', id)
          .where('expires_at', '>', context.now())
          .executeTakeFirst();
        return row ? toRecord(row) : undefined;
      });
    },

    /** False when missing or another owner's. */
    deleteResponse(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<boolean> {
      return scoped(scope, options.signal, async (db, owner) => {
        return touched(await deleteOwned(db, 'responses', owner).where('id', '=', id).executeTakeFirst());
      });
    },

    /** Compare-and-set of a background response's status (see `Store.transitionResponse`). */
    transitionResponse(
      scope: OwnerScope,
      id: string,
      transition: ResponseTransition,
      options: SignalOption = {},
    ): Promise<boolean> {
      if (transition.from.length === 0) {
        ownerFilter(scope); // a scope without an owner throws all the same
        return Promise.resolve(false);
      }
      return scoped(scope, options.signal, async (db, owner) => {
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
        return touched(result);
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
