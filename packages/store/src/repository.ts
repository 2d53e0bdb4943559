import type { Kysely } from 'kysely';
import type { StoreContext } from './context.js';
import { ownerFilter } from './owner.js';
import { withSignal } from './run.js';
import type { Database } from './schema.js';
import type { OwnerScope } from './types.js';

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
