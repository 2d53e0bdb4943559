import type { DeleteQueryBuilder, DeleteResult, Kysely, Selectable, SelectQueryBuilder, UpdateResult } from 'kysely';
import type { StoreContext } from './context.js';
import { ownerFilter } from './owner.js';
import { clampLimit, withSignal } from './run.js';
import type { Database } from './schema.js';
import type { ListOptions, OwnerScope } from './types.js';

/** The work of one repository call: the database and the owner the caller is limited to (undefined: admin). */
export type ScopedWork<T> = (db: Kysely<Database>, owner: string | undefined) => Promise<T>;

/**
 * How the tenant repositories (threads, files, provider uploads) run a call: the caller's scope is
 * checked first (`ownerFilter` throws at once on a scope without an owner), then `work` runs on the
 * database under the caller's signal, its errors mapped to store errors that name `what`.
 */
export function scopedRunner(context: StoreContext, what: string) {
  return <T>(scope: OwnerScope, signal: AbortSignal | undefined, work: ScopedWork<T>): Promise<T> => {
    const owner = ownerFilter(scope);
    return withSignal(signal, what, async () => work(await context.database(), owner));
  };
}

/** The tables whose rows belong to one owner (tenant): every read and delete of them goes through the helpers below. */
export type OwnedTable = 'threads' | 'files' | 'provider_uploads' | 'responses';

type OwnedSelect<T extends OwnedTable> = SelectQueryBuilder<Database, T, Selectable<Database[T]>>;
type OwnedDelete<T extends OwnedTable> = DeleteQueryBuilder<Database, T, DeleteResult>;

/**
 * `select * from <table>` limited to `owner`'s rows (every row for an admin scope, `owner` undefined). The
 * casts only restore the table's own row type, which Kysely loses over a union of table names.
 */
export function selectOwned<T extends OwnedTable>(db: Kysely<Database>, table: T, owner: string | undefined) {
  const query = db.selectFrom(table as OwnedTable).selectAll();
  return (owner === undefined ? query : query.where('owner', '=', owner)) as unknown as OwnedSelect<T>;
}

/** `delete from <table>` limited to `owner`'s rows, as {@link selectOwned}. */
export function deleteOwned<T extends OwnedTable>(db: Kysely<Database>, table: T, owner: string | undefined) {
  const query = db.deleteFrom(table as OwnedTable);
  return (owner === undefined ? query : query.where('owner', '=', owner)) as unknown as OwnedDelete<T>;
}

/** True when a delete or update touched a row. */
export function touched(result: DeleteResult | UpdateResult): boolean {
  return Number('numDeletedRows' in result ? result.numDeletedRows : result.numUpdatedRows) > 0;
}

interface Pageable<Q> {
  limit(limit: number): Q;
  offset(offset: number): Q;
  execute(): Promise<unknown[]>;
}

/** Runs a list query one page at a time: `limit` (default 100, at most 10,000) rows after `offset`. */
export function page<Q extends Pageable<Q>>(query: Q, options: ListOptions): ReturnType<Q['execute']> {
  const limited = query
    .limit(clampLimit(options.limit, 100))
    .offset(clampLimit(options.offset, 0, Number.MAX_SAFE_INTEGER));
  return limited.execute() as ReturnType<Q['execute']>;
}
