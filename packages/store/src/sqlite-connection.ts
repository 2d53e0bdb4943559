import type BetterSqlite3 from 'better-sqlite3';

/**
 * A connection to the store's SQLite file, as every connection to it is set up (Kysely's, the request log's
 * writer thread): WAL mode, `synchronous=NORMAL` (commits survive a process crash), a 5 s busy timeout for the
 * write lock another connection or process holds.
 */
export function connectSqlite(Database: typeof BetterSqlite3, file: string): BetterSqlite3.Database {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  return database;
}
