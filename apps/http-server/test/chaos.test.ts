import { randomUUID } from 'node:crypto';
import type { GatewayConfigInput } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppProcess, json, post, spawnApp, waitFor } from './helpers.js';
import { startPrivatePostgres, startPrivateRedis } from './private-services.js';

/**
 * Faults of the real parts, against real services of the test's own (a private redis-server and a
 * private PostgreSQL cluster on free ports; the machine's shared ones are never paused or stopped),
 * through the built `exai-http`.
 */

const KEY = `sk-chaos-${randomUUID()}`;
const auth = { authorization: `Bearer ${KEY}` };
const messages = [{ role: 'user' as const, content: 'hello' }];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(): Promise<Simulator> {
  const sim = await startSimulator({ port: 0 });
  cleanups.push(() => sim.close());
  return sim;
}

async function app(config: GatewayConfigInput, env: Record<string, string>): Promise<AppProcess> {
  const started = await spawnApp({ config, env: { EXAI_API_KEYS: KEY, ...env } });
  cleanups.push(async () => {
    started.child.kill('SIGKILL');
    await started.exit;
  });
  return started;
}

const chat = (gateway: AppProcess, body: Record<string, unknown> = {}) =>
  post(`${gateway.url}/v1/chat/completions`, { model: 'glm-4.6', messages, ...body }, auth);

/** Sends requests from `workers` loops until `stop()`; every outcome is kept with its latency. */
function load<T>(workers: number, send: () => Promise<T>) {
  const outcomes: Array<{ value: T; ms: number }> = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const started = Date.now();
      const value = await send();
      outcomes.push({ value, ms: Date.now() - started });
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('Redis stops answering during load', () => {
  it('chat requests keep succeeding within their deadline on local limits, and the outage is logged once', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const sim = await simulator();
    const gateway = await app(
      {
        // maxConcurrency: the per-provider slots live in Redis; the breaker state and the key's rate limit too.
        providers: { glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key', maxConcurrency: 16 } },
        retry: { maxAttempts: 1, baseDelayMs: 1 },
      },
      { REDIS_URL: redis.url, EXAI_RATE_LIMIT_RPM: '100000', EXAI_LOG_LEVEL: 'warn' },
    );
    const traffic = load(4, async () => {
      const response = await chat(gateway);
      await response.arrayBuffer();
      return response.status;
    });
    try {
      await waitFor(() => traffic.outcomes.length >= 8, 30_000, 'requests before the pause');
      const before = traffic.outcomes.length;
      // Every client's commands wait unanswered for 3 s; connections stay open.
      expect(await redis.command('CLIENT', 'PAUSE', '3000', 'ALL')).toBe('OK');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const during = traffic.outcomes.length - before;
      const after = traffic.outcomes.length;
      await waitFor(() => traffic.outcomes.length >= after + 8, 30_000, 'requests after the pause');
      await traffic.stop();
      expect(during).toBeGreaterThanOrEqual(4); // answered while Redis slept, not queued behind it
      expect(traffic.outcomes.filter((outcome) => outcome.value !== 200)).toEqual([]);
      // Each within the command timeout (1 s) + 2 s.
      expect(Math.max(...traffic.outcomes.map((outcome) => outcome.ms))).toBeLessThan(3_000);
      const outageLines = gateway
        .stderr()
        .split('\n')
        .filter((line) => line.includes('shared state (Redis) is unavailable'));
      expect(outageLines).toHaveLength(1);
      expect(
        gateway
          .stderr()
          .split('\n')
          .filter((line) => line.includes('"level":40')).length,
      ).toBeLessThan(5); // nothing per request
    } finally {
      await traffic.stop();
    }
  }, 120_000);
});

describe('Postgres stops during load', () => {
  it('calls that need the store get a 503 naming it, /readyz says not ready, and no acknowledged turn is lost', async () => {
    const database = await startPrivatePostgres();
    cleanups.push(() => database.destroy());
    const sim = await simulator();
    const gateway = await app(
      {
        providers: { glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' } },
        retry: { maxAttempts: 1, baseDelayMs: 1 },
      },
      {
        DATABASE_URL: database.url,
        EXAI_LOG_LEVEL: 'error',
      },
    );
    const acknowledged: string[] = [];
    const traffic = load(3, async () => {
      const response = await chat(gateway, { remember: true });
      const body = await json(response);
      if (response.status === 200) acknowledged.push(body.exai.continuation_id as string);
      return { status: response.status, body };
    });
    try {
      await waitFor(() => acknowledged.length >= 6, 30_000, 'remembered chats before the stop');
      database.stop();
      await waitFor(
        () => traffic.outcomes.filter((outcome) => outcome.value.status === 503).length >= 3,
        30_000,
        'refusals while Postgres is down',
      );
      await traffic.stop();

      const refused = traffic.outcomes.filter((outcome) => outcome.value.status !== 200);
      for (const outcome of refused) {
        expect(outcome.value).toEqual({
          status: 503,
          body: {
            error: {
              type: 'api_error',
              code: 'store_unavailable',
              message: "The gateway's store (Postgres) is unavailable; retry shortly",
              param: null,
            },
          },
        });
      }
      const tool = await json(await post(`${gateway.url}/v1/tools/chat`, { prompt: 'hello' }, auth));
      expect(tool.isError).toBe(true);
      expect(tool.content).toMatch(/^The gateway's store \(Postgres\) is unavailable; retry shortly\. Hint: /);
      expect(tool.content).not.toMatch(/provider|partial answer/);

      const notReady = await fetch(`${gateway.url}/readyz`);
      expect(notReady.status).toBe(503);
      const report = await notReady.text();
      expect(JSON.parse(report).store).toMatchObject({ ok: false, kind: 'postgres', error: 'store_unavailable' });
      expect(report).not.toContain(new URL(database.url).port);
      expect(report).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres:\/\//);

      await database.start();
      await waitFor(
        async () => (await fetch(`${gateway.url}/readyz`)).status === 200,
        30_000,
        '/readyz after Postgres is back',
      );
      const again = await chat(gateway, { remember: true });
      expect(again.status).toBe(200);
      acknowledged.push((await json(again)).exai.continuation_id as string);

      // Every answer that was acknowledged is stored: its thread with the question and the answer.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const rows = await client.query<{ thread_id: string; turns: string }>(
          'select thread_id, count(*) as turns from turns where thread_id = any($1) group by thread_id',
          [acknowledged],
        );
        expect(rows.rows.length).toBe(acknowledged.length);
        expect(rows.rows.every((row) => Number(row.turns) === 2)).toBe(true);
      } finally {
        await client.end();
      }
    } finally {
      await traffic.stop();
    }
  }, 180_000);
});

describe('two instances share an open breaker', () => {
  it('exactly one half-open probe per hold reaches the provider, and both close after it succeeds', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const sim = await simulator();
    const holdMs = 1_500;
    const config: GatewayConfigInput = {
      providers: { glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' } },
      retry: { maxAttempts: 1, baseDelayMs: 1 },
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: holdMs },
    };
    const env = { REDIS_URL: redis.url, EXAI_LOG_LEVEL: 'error' };
    const [a, b] = await Promise.all([app(config, env), app(config, env)]);
    const breakerOf = async (gateway: AppProcess) =>
      ((await json(await fetch(`${gateway.url}/readyz`))).providers as Array<{ id: string; breaker: string }>).find(
        (provider) => provider.id === 'glm',
      )?.breaker;

    sim.script('glm-4.6', 'http-503');
    await waitFor(
      async () => {
        await (await chat(a)).arrayBuffer();
        return (await breakerOf(a)) === 'open';
      },
      30_000,
      "instance A's breaker to open",
    );
    await waitFor(
      async () => {
        await (await chat(b)).arrayBuffer();
        return (await breakerOf(b)) === 'open';
      },
      10_000,
      'instance B to hear of it',
    );
    const from = sim.log.length;
    const traffic = load(4, async () => {
      const response = await chat(Math.random() < 0.5 ? a : b);
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 10));
      return response.status;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 4 * holdMs + 500));
      await traffic.stop();
      const probes = sim.log.slice(from).filter((attempt) => attempt.model === 'glm-4.6');
      expect(probes.length).toBeGreaterThanOrEqual(3); // one per hold, and holds did pass
      expect(probes.length).toBeLessThanOrEqual(5);
      const gaps = probes.slice(1).map((probe, index) => probe.arrivedAt - probes[index]!.arrivedAt);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(holdMs - 300); // never two in one hold
      expect(traffic.outcomes.length).toBeGreaterThan(probes.length * 5); // the rest were refused, not sent

      sim.script('glm-4.6', null);
      for (const gateway of [a, b]) {
        await waitFor(
          async () => (await chat(gateway)).status === 200,
          3 * holdMs + 10_000,
          'a closed breaker after a good probe',
        );
      }
    } finally {
      await traffic.stop();
    }
  }, 180_000);
});
