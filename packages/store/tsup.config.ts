import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

export default defineConfig({
  ...tsupBase,
  // The request log's SQLite writer thread is a script of its own (sqlite-log-writer.ts starts it).
  entry: ['src/index.ts', 'src/sqlite-log-worker.ts'],
  // Native and optional drivers stay as imports: loaded only by the backend that needs them.
  external: ['better-sqlite3', 'pg', 'ioredis'],
});
