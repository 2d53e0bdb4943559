import { randomUUID } from 'node:crypto';
import type { GatewayConfigInput } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, json, post, readEvents, spawnApp, waitFor } from './helpers.js';

/** Two `exai-http` processes sharing the real Postgres and Redis, one simulator upstream. */

const POSTGRES = process.env.EXAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.EXAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomUUID().slice(0, 8);
const schema = `http_${suffix}`;
const PRIMARY = `glm${suffix}`;
const BACKUP = `kimi${suffix}`;
const KEY = `sk-cluster-${randomUUID()}`;
const LIMITED = `sk-limited-${randomUUID()}`;
const messages = [{ role: 'user' as const, content: 'hello' }];

let sim: Simulator;
let a: AppProcess;
let b: AppProcess;

const auth = (key = KEY) => ({ authorization: `Bearer ${key}` });
const chat = (app: AppProcess, body: Record<string, unknown>) =>
  post(`${app.url}/v1/chat/completions`, { model: `${PRIMARY}/glm-4.6`, messages, ...body }, auth());

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  sim = await startSimulator({ port: 0 });
  const config: GatewayConfigInput = {
    providers: {
      [PRIMARY]: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' },
      [BACKUP]: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
    },
    fallbacks: { [`${PRIMARY}/glm-4.6`]: [`${BACKUP}/kimi-k2-0905-preview`] },
    retry: { maxAttempts: 1, baseDelayMs: 1 },
    breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
  };
  const env = {
    DATABASE_URL: `${POSTGRES}?options=-c%20search_path%3D${schema}`,
    REDIS_URL: REDIS,
    EXAI_API_KEYS: `${KEY},${LIMITED}`,
    EXAI_RATE_LIMIT_RPM: '10',
    EXAI_LOG_LEVEL: 'error',
  };
  [a, b] = await Promise.all([spawnApp({ config, env }), spawnApp({ config, env })]);
});

afterAll(async () => {
  for (const app of [a, b]) app?.child.kill('SIGTERM');
  await Promise.all([a?.exit, b?.exit]);
  await sim?.close();
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe('two instances on Postgres and Redis', () => {
  it('continues a thread started on one instance through the other', async () => {
    const first = await json(
      await chat(a, { messages: [{ role: 'user', content: 'Remember the word zebra' }], remember: true }),
    );
    const id = first.exai.continuation_id as string;
    expect(id).toBeTruthy();
    const second = await chat(b, { messages: [{ role: 'user', content: 'Which word?' }], continuation_id: id });
    expect(second.status).toBe(200);
    expect((await json(second)).exai.continuation_id).toBe(id);
    expect(JSON.stringify(sim.log.at(-1)?.body)).toContain('Remember the word zebra');
  });

  it('holds one key to its rate limit across both instances', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 12; index++) {
      const app = index % 2 === 0 ? a : b;
      statuses.push((await fetch(`${app.url}/v1/files`, { headers: auth(LIMITED) })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await fetch(`${b.url}/v1/files`, { headers: auth(LIMITED) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('honours on one instance a breaker opened on the other', async () => {
    sim.script('glm-4.6', 'http-503');
    await waitFor(
      async () => {
        const answer = await chat(a, {});
        expect(answer.status).toBe(200); // the fallback answers while the primary fails
        const ready = await json(await fetch(`${a.url}/readyz`));
        return ready.providers.some(
          (provider: { id: string; breaker: string }) => provider.id === PRIMARY && provider.breaker === 'open',
        );
      },
      10_000,
      "instance A's breaker to open",
    );
    await new Promise((resolve) => setTimeout(resolve, 400)); // > the shared-state refresh interval (250 ms)
    const before = sim.log.filter((row) => row.model === 'glm-4.6').length;
    const answer = await chat(b, {});
    expect(answer.status).toBe(200);
    expect((await json(answer)).model).toBe('kimi-k2-0905-preview');
    expect(answer.headers.get('x-exai-provider')).toBe(BACKUP);
    expect(sim.log.filter((row) => row.model === 'glm-4.6').length).toBe(before);
  });
});

describe('graceful shutdown', () => {
  it('finishes 20 in-flight streams with [DONE] on SIGTERM, then exits 0', async () => {
    const app = await spawnApp({
      config: {
        providers: { glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' } },
        concurrency: { perProvider: 32 },
      },
      env: { EXAI_LOG_LEVEL: 'error', EXAI_SHUTDOWN_GRACE_MS: '10000' },
    });
    sim.reset();
    sim.script('glm-4.6', 'latency?ms=1500');
    const streams = Array.from({ length: 20 }, () =>
      post(`${app.url}/v1/chat/completions`, { model: 'glm-4.6', messages, stream: true }).then(readEvents),
    );
    await waitFor(() => sim.log.filter((row) => row.model === 'glm-4.6').length === 20, 10_000, '20 upstream calls');
    app.child.kill('SIGTERM');
    const results = await Promise.all(streams);
    for (const events of results) expect(events.at(-1)).toBe('[DONE]');
    expect(await app.exit).toBe(0);
  });
});
