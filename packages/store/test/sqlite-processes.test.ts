import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../src/open-database.js';

const run = promisify(execFile);
const writer = join(import.meta.dirname, 'fixtures', 'sqlite-writer.mjs');

/**
 * The workers of `exai-http --workers N` share one SQLite file. A transaction that reads and then
 * writes must take the write lock when it begins (BEGIN IMMEDIATE): a deferred one holds a read
 * snapshot that another process's commit makes stale, and its write then fails with
 * SQLITE_BUSY_SNAPSHOT however long the busy timeout.
 */
describe('SQLite shared by two processes', () => {
  it('read-then-write transactions in two processes at once never fail with SQLITE_BUSY and lose no update', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exai-sqlite-procs-'));
    const { db } = await openSqlite(dataDir);
    await sql`create table counter (id integer primary key, n integer not null)`.execute(db);
    await sql`insert into counter (id, n) values (1, 0)`.execute(db);
    const count = 200;
    const startAt = String(Date.now() + 1_500);
    const results = await Promise.all(
      [0, 1].map(async () =>
        JSON.parse((await run(process.execPath, [writer, dataDir, String(count), startAt])).stdout),
      ),
    );
    expect(results).toEqual([
      { committed: count, busy: 0 },
      { committed: count, busy: 0 },
    ]);
    const { rows } = await sql<{ n: number }>`select n from counter where id = 1`.execute(db);
    expect(rows[0]!.n).toBe(2 * count);
    await db.destroy();
  }, 60_000);
});
