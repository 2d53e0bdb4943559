import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import type { Database } from './schema.js';
import { connectSqlite } from './sqlite-connection.js';
import { SqliteLogWriter } from './sqlite-log-writer.js';

export interface OpenedDatabase {
  db: Kysely<Database>;
  /** The Postgres schema tables live in (first of search_path); undefined for SQLite. */
  schema: string | undefined;
}

/**
 * Every store transaction writes (append turns, delete, purge, log requests), most after a read. A
 * deferred `BEGIN` (Kysely's) reads a snapshot; when another process (a worker of `--workers`)
 * commits meanwhile, the upgrade to a write fails with SQLITE_BUSY_SNAPSHOT, which no busy timeout
 * waits out. `BEGIN IMMEDIATE` takes the write lock at the start, where the busy timeout does wait.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #beforeDestroy: () => Promise<void>;
  constructor(config: SqliteDialectConfig, beforeDestroy: () => Promise<void>) {
    super(config);
    this.#beforeDestroy = beforeDestroy;
  }
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  override async destroy(): Promise<void> {
    await this.#beforeDestroy();
    await super.destroy();
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #beforeDestroy: () => Promise<void>;
  constructor(config: SqliteDialectConfig, beforeDestroy: () => Promise<void>) {
    super(config);
    this.#config = config;
    this.#beforeDestroy = beforeDestroy;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#beforeDestroy);
  }
}

/**
 * What the request log needs of a Kysely instance opened by `openSqlite`: the writer thread for its file (started
 * on first use; null where it cannot run).
 */
export interface SqliteHandle {
  writer(): SqliteLogWriter | null;
}
const sqliteHandles = new WeakMap<object, SqliteHandle>();
export const sqliteOf = (db: object): SqliteHandle | undefined => sqliteHandles.get(db);

/**
 * Embedded SQLite in WAL mode: `synchronous=NORMAL` keeps commits durable across process crashes.
 * A data directory that does not exist yet is created owner-only (0700); an existing one keeps its mode.
 */
export async function openSqlite(dataDir: string): Promise<OpenedDatabase> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { default: SqliteDatabase } = await import('better-sqlite3');
  const file = join(dataDir, 'exai.sqlite');
  const database = connectSqlite(SqliteDatabase, file);
  let writer: SqliteLogWriter | null | undefined;
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database }, async () => {
      await writer?.close();
      writer = null;
    }),
  });
  sqliteHandles.set(db, {
    writer() {
      if (writer === undefined) writer = SqliteLogWriter.open(file) ?? null;
      else if (writer && !writer.usable) writer = null;
      return writer;
    },
  });
  return { db, schema: undefined };
}

/**
 * Postgres through a pg Pool. Only unnamed statements are sent and nothing relies on session
 * state, so it works through a transaction pooler (Supabase, PgBouncer). int8 columns are parsed
 * to numbers (epoch milliseconds fit exactly).
 */
export async function openPostgres(databaseUrl: string, poolSize: number): Promise<OpenedDatabase> {
  const { default: pg } = await import('pg');
  const int8 = 20;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8 && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor may a checked-out one: pg emits 'error' on a client whose socket ends before its query runs
  // (Postgres stopped just as the client left the pool), and pg-pool listens only while it is idle.
  // The query itself still fails with the error.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const schema = result.rows[0]?.schema ?? undefined;
    if (!schema) throw new Error('no schema in search_path exists; create it or fix the connection string options');
    return { db, schema };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
