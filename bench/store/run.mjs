// The SQLite store's costs: open time (lazy create + migrations, and reopen), appendTurn in µs
// against a bare better-sqlite3 INSERT with the same pragmas (measured in the same run), and RSS.
// Usage: pnpm --filter @exai/store build && node bench/store/run.mjs [turns]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../packages/store/dist/index.js';

const require = createRequire(new URL('../../packages/store/package.json', import.meta.url));
const Database = require('better-sqlite3');
const turns = Number(process.argv[2] ?? 2_000);
const turnsPerThread = 100;
const content = 'x'.repeat(400);
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const directories = [];
const temporary = () => {
  const directory = mkdtempSync(join(tmpdir(), 'exai-store-bench-'));
  directories.push(directory);
  return directory;
};
const elapsedMs = (started) => Number(process.hrtime.bigint() - started) / 1e6;

const rssAtStart = process.memoryUsage().rss;

// Open: first open creates the file and runs migrations; reopening finds them applied.
const dataDir = temporary();
let started = process.hrtime.bigint();
const created = createStore({ dataDir });
const constructMs = elapsedMs(started);
started = process.hrtime.bigint();
await created.ready();
const firstOpenMs = elapsedMs(started);
await created.close();
started = process.hrtime.bigint();
const store = createStore({ dataDir, maxTurns: turnsPerThread });
await store.ready();
const reopenMs = elapsedMs(started);

// Baseline: the same row written with a prepared statement, one transaction per row.
function baseline() {
  const database = new Database(join(temporary(), 'baseline.sqlite'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.exec(
    'create table turns (thread_id text, seq integer, role text, content text, created_at bigint, primary key (thread_id, seq))',
  );
  const insert = database.prepare(
    'insert into turns (thread_id, seq, role, content, created_at) values (?, ?, ?, ?, ?)',
  );
  const write = database.transaction((thread, seq) => insert.run(thread, seq, 'user', content, Date.now()));
  const begin = process.hrtime.bigint();
  for (let index = 0; index < turns; index++)
    write(`t${Math.floor(index / turnsPerThread)}`, (index % turnsPerThread) + 1);
  const micros = Number(process.hrtime.bigint() - begin) / 1e3 / turns;
  database.close();
  return micros;
}

const scope = { owner: 'bench' };

async function appendTurns() {
  let thread;
  const begin = process.hrtime.bigint();
  for (let index = 0; index < turns; index++) {
    if (index % turnsPerThread === 0) thread = await store.createThread(scope);
    await store.appendTurn(scope, thread.id, { role: 'user', content });
  }
  return Number(process.hrtime.bigint() - begin) / 1e3 / turns;
}

const baselineMicros = baseline();
const appendMicros = await appendTurns();
const rssAfter = process.memoryUsage().rss;
await store.close();
for (const directory of directories) rmSync(directory, { recursive: true, force: true });

const line = (label, value) => console.log(`  ${label.padEnd(50)} ${value}`);
console.log('store bench (SQLite, WAL, synchronous=NORMAL)');
line('createStore (lazy, no I/O)', `${constructMs.toFixed(2)} ms`);
line('first open (load Kysely + driver, create, migrate)', `${firstOpenMs.toFixed(1)} ms`);
line('reopen (migrations already applied)', `${reopenMs.toFixed(1)} ms`);
line('bare INSERT, one transaction per row (baseline)', `${baselineMicros.toFixed(1)} µs/turn`);
line(
  `appendTurn (${turns} turns)`,
  `${appendMicros.toFixed(1)} µs/turn (${(appendMicros / baselineMicros).toFixed(1)}x baseline)`,
);
line('RSS', `${mib(rssAtStart)} MiB at start, ${mib(rssAfter)} MiB after`);
