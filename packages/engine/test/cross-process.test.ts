import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hits } from './helpers.js';

// Two engine processes share one Postgres (threads) and one Redis (breaker state).
const run = promisify(execFile);
const child = join(import.meta.dirname, 'fixtures', 'engine-child.mjs');
const postgresUrl = process.env.EXAI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.EXAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `engine_cross_${process.pid}_${Date.now()}`;

let sim: Simulator;
let client: pg.Client;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  client = new pg.Client({ connectionString: postgresUrl });
  await client.connect().catch((error: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${postgresUrl} (${error.message}); start it (.ci/run does)`);
  });
  await client.query(`CREATE SCHEMA ${schema}`);
});

afterAll(async () => {
  await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client?.end();
  await sim?.close();
});

function config(extra: Record<string, unknown> = {}) {
  const base = sim.baseURL('openai');
  return {
    providers: {
      primary: { kind: 'openai-compatible', baseURL: base, apiKey: 'k1', models: [{ id: 'model-a' }] },
      backup: { kind: 'openai-compatible', baseURL: base, apiKey: 'k2', models: [{ id: 'model-b' }] },
    },
    fallbacks: { 'model-a': ['backup/model-b'] },
    retry: { maxAttempts: 1 },
    breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 30_000, firstProbeMs: 30_000 },
    store: {
      dataDir: mkdtempSync(join(tmpdir(), 'exai-cross-')),
      databaseUrl: `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      redisUrl,
    },
    logLevel: 'silent',
    ...extra,
  };
}

async function engineProcess(requests: unknown[], extra: Record<string, unknown> = {}) {
  const { stdout } = await run(process.execPath, [child, JSON.stringify(config(extra)), JSON.stringify(requests)], {
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Array<{
    ok: boolean;
    provider?: string;
    continuationId?: string;
    code?: string;
  }>;
}

describe('across engine processes', () => {
  it('a thread started through one engine process continues through another on the same Postgres', async () => {
    const [first] = await engineProcess([
      {
        request: { model: 'model-b', messages: [{ role: 'user', content: 'remember the word tangerine' }] },
        options: { remember: true, scope: { owner: 'tester' } },
      },
    ]);
    expect(first?.ok).toBe(true);
    expect(first?.continuationId).toBeTruthy();
    const [second] = await engineProcess([
      {
        request: {
          model: 'model-b',
          continuation_id: first!.continuationId,
          messages: [{ role: 'user', content: 'what was the word?' }],
        },
        options: { scope: { owner: 'tester' } },
      },
    ]);
    expect(second).toMatchObject({ ok: true, continuationId: first!.continuationId });
    const last = hits(sim, 'model-b').at(-1)!;
    const sent = JSON.stringify((last.body as { messages: unknown[] }).messages);
    expect(sent).toContain('remember the word tangerine');
    expect(sent).toContain('Simulated answer to: remember the word tangerine');
    expect(sent).toContain('what was the word?');
  });

  it('an open breaker in one process is honoured by another through Redis', async () => {
    // Provider ids unique to this run, so no other test's breaker records in Redis can interfere.
    const primary = `primary${process.pid}x${Date.now()}`;
    const base = sim.baseURL('openai');
    const providers = {
      [primary]: { kind: 'openai-compatible', baseURL: base, apiKey: 'k1', models: [{ id: 'model-c' }] },
      backup: { kind: 'openai-compatible', baseURL: base, apiKey: 'k2', models: [{ id: 'model-b' }] },
    };
    const extra = { providers, fallbacks: { 'model-c': ['backup/model-b'] } };
    sim.script('model-c', 'http-503');
    const ask = { request: { model: 'model-c', messages: [{ role: 'user', content: 'hi' }] } };
    const opened = await engineProcess([ask, ask, ask, ask], extra);
    expect(opened.map((result) => result.provider)).toEqual(['backup', 'backup', 'backup', 'backup']);
    const before = hits(sim, 'model-c').length;
    expect(before).toBe(3);
    const other = await engineProcess([ask, ask], extra);
    expect(other.map((result) => result.provider)).toEqual(['backup', 'backup']);
    expect(hits(sim, 'model-c').length).toBe(before);
    sim.script('model-c', null);
  });
});
