import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../src/index.js';
import { everyone, me, SCHEMA_VERSIONS } from './harness.js';
import { defineMaintenanceSuite } from './maintenance-suite.js';
import { defineRecordSuite } from './record-suite.js';
import { defineResponseSuite } from './response-suite.js';
import { sqliteBackend } from './services.js';
import { defineSpendSuite } from './spend-suite.js';
import { defineTenancySuite } from './tenancy-suite.js';
import { defineThreadSuite } from './thread-suite.js';

defineThreadSuite(sqliteBackend());
defineRecordSuite(sqliteBackend());
defineMaintenanceSuite(sqliteBackend());
defineTenancySuite(sqliteBackend());
defineResponseSuite(sqliteBackend());
defineSpendSuite(sqliteBackend());

describe('sqlite store', () => {
  const directories: string[] = [];
  afterEach(async () => {
    await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
  });
  const temporary = async () => {
    const directory = await mkdtemp(join(tmpdir(), 'exai-store-sqlite-'));
    directories.push(directory);
    return directory;
  };

  it('opens lazily: nothing is created until first use, then the data dir and WAL database appear', async () => {
    const dataDir = join(await temporary(), 'nested', 'data');
    const store = createStore({ dataDir });
    expect(store.dialect).toBe('sqlite');
    expect(existsSync(dataDir)).toBe(false);
    await store.ready();
    expect(existsSync(join(dataDir, 'exai.sqlite'))).toBe(true);
    await store.close();
    const database = new Database(join(dataDir, 'exai.sqlite'), { readonly: true });
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = database.prepare('select name from exai_schema_version').all() as Array<{ name: string }>;
    database.close();
    expect(versions.map((row) => row.name)).toEqual(SCHEMA_VERSIONS);
  });

  it('keeps file contents on disk under dataDir/files/<sha256>', async () => {
    const dataDir = await temporary();
    const store = createStore({ dataDir });
    const file = await store.putFile(me, { filename: 'a.txt', data: 'on disk' });
    expect(await readFile(join(dataDir, 'files', file.sha256), 'utf8')).toBe('on disk');
    await store.deleteFile(me, file.id);
    expect(existsSync(join(dataDir, 'files', file.sha256))).toBe(false);
    await store.close();
  });

  it('a turn appended before close is there after reopening', async () => {
    const dataDir = await temporary();
    const first = createStore({ dataDir });
    const thread = await first.createThread(me);
    await first.appendTurn(me, thread.id, { role: 'user', content: 'durable' });
    await first.close();
    const second = createStore({ dataDir });
    expect((await second.listTurns(me, thread.id)).map((turn) => turn.content)).toEqual(['durable']);
    await second.close();
  });

  it('creates the data directory and its files/ directory owner-only (0700)', async () => {
    const dataDir = join(await temporary(), 'private', 'data');
    const store = createStore({ dataDir });
    const file = await store.putFile(me, { filename: 'secret.txt', data: 'users data' });
    await store.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'files')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'files', file.sha256)).mode & 0o777).toBe(0o600);
  });

  it('the maintenance timer never keeps a process alive', async () => {
    const dataDir = await temporary();
    const entry = pathToFileURL(join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'index.js')).href;
    const script = `import { createStore } from ${JSON.stringify(entry)};
const store = createStore({ dataDir: ${JSON.stringify(dataDir)}, maintenanceIntervalMs: 100 });
await store.ready();
store.startMaintenance();
setTimeout(() => process.stderr.write('passes ran\\n'), 600);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data) => {
      stderr += String(data);
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(killer);
    expect({ code, signal, stderr: stderr.trim() }).toEqual({ code: 0, signal: null, stderr: 'passes ran' });
  }, 30_000);

  it('a closed store refuses work', async () => {
    const store = createStore({ dataDir: await temporary() });
    await store.ready();
    await store.close();
    await expect(store.createThread(me)).rejects.toThrow(/closed/);
  });

  it('without redisUrl the shared state is in-process', async () => {
    const store = createStore({ dataDir: await temporary() });
    expect(store.shared.kind).toBe('memory');
    expect((await store.shared.rateLimiter.take('k', { capacity: 1, refillPerSecond: 1 })).allowed).toBe(true);
    await store.close();
  });

  describe('the request log, written by a thread of its own (decision 0035)', () => {
    const batchOf = (size: number, prefix: string) =>
      Array.from({ length: size }, (_, index) => ({
        request: { id: `${prefix}-${index}`, route: '/v1/chat/completions', status: 200, latencyMs: 1 },
        attempts: [{ provider: 'glm', model: 'glm-4.6', outcome: 'success', latencyMs: 1, startedAt: index }],
      }));

    it('leaves the store free: a read sent while a large batch commits answers before the batch does', async () => {
      const dataDir = await temporary();
      const store = createStore({ dataDir });
      await store.ready();
      const order: string[] = [];
      const written = store.recordRequests(batchOf(20_000, 'big')).then(() => order.push('batch written'));
      const seen = await store.listRequests(everyone, { limit: 5 });
      order.push('read answered');
      await written;
      expect(order).toEqual(['read answered', 'batch written']);
      expect(seen).toHaveLength(0); // the batch is one transaction: nothing of it before its commit
      await store.close();
      const database = new Database(join(dataDir, 'exai.sqlite'), { readonly: true });
      const count = (table: string) =>
        (database.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      expect([count('requests'), count('attempts')]).toEqual([20_000, 20_000]);
      database.close();
    });

    it('stores a batch whole or not at all: a duplicate id refuses the whole batch', async () => {
      const store = createStore({ dataDir: await temporary() });
      await store.recordRequests(batchOf(3, 'first'));
      await expect(store.recordRequests([...batchOf(5, 'second'), ...batchOf(1, 'first')])).rejects.toThrow();
      const ids = (await store.listRequests(everyone, { limit: 100 })).map((request) => request.id).sort();
      expect(ids).toEqual(['first-0', 'first-1', 'first-2']);
      await store.close();
    });

    it('close waits for a batch in flight; a store opened again finds it', async () => {
      const dataDir = await temporary();
      const store = createStore({ dataDir });
      await store.ready();
      const written = store.recordRequests(batchOf(2_000, 'late'));
      await store.close();
      await expect(written).resolves.toHaveLength(2_000);
      const again = createStore({ dataDir });
      expect(await again.listRequests(everyone, { limit: 3_000 })).toHaveLength(2_000);
      await again.close();
    });
  });
});
