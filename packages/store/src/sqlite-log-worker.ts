import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { connectSqlite } from './sqlite-connection.js';
import type { LogBatch, LogReply } from './sqlite-log-writer.js';

/**
 * The request log's SQLite writer thread (see sqlite-log-writer.ts): its own connection to the store's file,
 * one prepared insert per table and column list, one `BEGIN IMMEDIATE` transaction per batch. Commits and WAL
 * checkpoints (their writes and fsyncs) block this thread, never the event loop that serves requests.
 */
const database = connectSqlite(Database, (workerData as { file: string }).file);
const statements = new Map<string, Database.Statement>();

function insert(table: string, columns: string[]): Database.Statement {
  const key = `${table}(${columns.join(',')})`;
  let statement = statements.get(key);
  if (!statement) {
    const names = columns.map((column) => `"${column}"`).join(', ');
    statement = database.prepare(`insert into "${table}" (${names}) values (${columns.map(() => '?').join(', ')})`);
    statements.set(key, statement);
  }
  return statement;
}

const write = database.transaction((batch: LogBatch) => {
  for (const { table, columns, rows } of batch.tables) {
    const statement = insert(table, columns);
    for (const row of rows) statement.run(row);
  }
});

parentPort?.on('message', (batch: LogBatch) => {
  let reply: LogReply;
  try {
    write.immediate(batch);
    reply = { id: batch.id };
  } catch (error) {
    reply = { id: batch.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
