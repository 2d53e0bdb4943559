import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { StoreDialect } from './types.js';

/** What every repository needs: the lazily opened database and the store's settings. */
export interface StoreContext {
  dialect: StoreDialect;
  /** Opens the database and runs migrations on first call. */
  database(): Promise<Kysely<Database>>;
  now(): number;
  dataDir: string;
  threadTtlMs: number;
  maxTurns: number;
}

/** A prefixed random id, e.g. `thr_3f9a…` (96 random bits). */
export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
