import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AppProcess, spawnApp, waitFor } from './helpers.js';

/**
 * `exai-http --workers 2` without Redis: two processes serve one port and share breakers, rate limits
 * and the dashboard through the primary. Every request below opens its own connection, so node:cluster's
 * round robin spreads them over both workers: state kept per worker would show.
 */

// Every test its own key: the rate limit (20 a minute) holds each key across the group.
const KEYS = Array.from({ length: 8 }, (_, index) => `sk-workers-${index}`);
let KEY = KEYS[0]!;
const ADMIN = 'sk-workers-admin';
const LIMITED = 'sk-workers-limited';
const messages = [{ role: 'user' as const, content: 'hello' }];

let sim: Simulator;
let app: AppProcess;

/** One request on a connection of its own (no keep-alive), JSON in and out. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions are the type check
type Body = any;
function call(
  path: string,
  options: { method?: string; body?: unknown; key?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Body }> {
  const url = new URL(path, app.url);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        agent: false,
        headers: {
          connection: 'close',
          authorization: `Bearer ${options.key ?? KEY}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (metrics text)
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${path} in 15 s`)));
    req.end(payload);
  });
}

const chat = (body: Record<string, unknown> = {}) =>
  call('/v1/chat/completions', { body: { model: 'glm/glm-4.6', messages, ...body } });

/** The worker processes of the group (the primary's children). */
const workerPids = (): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(app.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

/** The first dashboard snapshot one connection gets. */
async function dashboardTotals(): Promise<number> {
  const controller = new AbortController();
  const response = await fetch(`${app.url}/dashboard/events`, {
    headers: { authorization: `Bearer ${ADMIN}`, connection: 'close' },
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  const data = text.split('\n').find((line) => line.startsWith('data: '))!;
  return JSON.parse(data.slice(6)).totals.requests as number;
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  app = await spawnApp({
    config: {
      providers: {
        glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' },
        kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
      },
      fallbacks: { 'glm/glm-4.6': ['kimi/kimi-k2-0905-preview'], 'glm/glm-4.5': ['kimi/kimi-k2-0905-preview'] },
      retry: { maxAttempts: 1, baseDelayMs: 1 },
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
      concurrency: { perProvider: 32 },
    },
    args: ['--workers', '2'],
    env: {
      EXAI_API_KEYS: [...KEYS, LIMITED].join(','),
      EXAI_ADMIN_KEYS: ADMIN,
      EXAI_RATE_LIMIT_RPM: '20',
      EXAI_LOG_LEVEL: 'error',
      EXAI_SHUTDOWN_GRACE_MS: '10000',
    },
  });
}, 60_000);

afterAll(async () => {
  if (app && app.child.exitCode === null) {
    app.child.kill('SIGKILL');
    await app.exit;
  }
  await sim?.close();
});

describe('exai-http --workers 2 without Redis', () => {
  let test = 0;
  beforeEach(() => {
    KEY = KEYS[test++]!;
  });

  it('serves one port from two processes', async () => {
    expect(workerPids()).toHaveLength(2);
    for (let index = 0; index < 4; index++) expect((await chat()).status).toBe(200);
  });

  it('continues a thread whichever worker takes the next turn', async () => {
    const first = await chat({ messages: [{ role: 'user', content: 'Remember the word zebra' }], remember: true });
    expect(first.body).toMatchObject({ exai: { continuation_id: expect.any(String) } });
    const id = first.body.exai.continuation_id as string;
    for (let index = 0; index < 3; index++) {
      const next = await chat({ messages: [{ role: 'user', content: 'Which word?' }], continuation_id: id });
      expect(next.status).toBe(200);
      expect(JSON.stringify(sim.log.at(-1)?.body)).toContain('Remember the word zebra');
    }
  });

  it('holds one key to its rate limit across both workers', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 22; index++) statuses.push((await call('/v1/files', { key: LIMITED })).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses.slice(20)).toEqual([429, 429]);
  });

  it('honours on every worker a breaker one worker opened', async () => {
    sim.reset();
    // A model no earlier test called: its breaker starts with no successes in its window.
    sim.script('glm-4.5', 'http-503');
    await waitFor(
      async () => {
        const answer = await chat({ model: 'glm/glm-4.5' });
        expect(answer.status).toBe(200); // the fallback answers while the primary fails
        return answer.body.exai.attempts[0].outcome === 'circuit_open';
      },
      15_000,
      'the primary breaker to open',
    );
    // Opened by the first worker to see 3 failures: with breakers kept per worker, connections taken in
    // turn would need 3 on each (6 upstream calls), and the other worker would still call the primary below.
    const failed = sim.log.filter((row) => row.model === 'glm-4.5').length;
    expect(failed).toBeLessThanOrEqual(5);
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (let index = 0; index < 6; index++) {
      const answer = await chat({ model: 'glm/glm-4.5' });
      expect(answer.status).toBe(200);
      expect(answer.headers['x-exai-provider']).toBe('kimi');
      expect(answer.body.exai.attempts[0]).toMatchObject({ provider: 'glm', outcome: 'circuit_open' });
    }
    expect(sim.log.filter((row) => row.model === 'glm-4.5').length).toBe(failed);
    sim.reset();
  });

  it('shows the whole group on /metrics and the dashboard', async () => {
    const count = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('exai_http_requests_total{') && line.includes('route="/v1/chat/completions"'))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    const before = count((await call('/metrics', { key: ADMIN })).body as string);
    for (let index = 0; index < 6; index++) await chat();
    await waitFor(
      async () => {
        const totals = await Promise.all(
          [1, 2, 3, 4].map(async () => count((await call('/metrics', { key: ADMIN })).body)),
        );
        return totals.every((total) => total === before + 6);
      },
      10_000,
      'every worker to report the group total',
    );
    await waitFor(
      async () => {
        const seen = await Promise.all([1, 2, 3, 4].map(() => dashboardTotals()));
        return seen.every((total) => total === seen[0]);
      },
      10_000,
      'every worker to show the same dashboard totals',
    );
  });

  it('replaces a worker that dies and keeps serving', async () => {
    const [victim] = workerPids();
    process.kill(victim!, 'SIGKILL');
    // Once the primary has seen the exit, the survivor takes every new connection.
    await waitFor(() => !workerPids().includes(victim!), 10_000, 'the primary to see the exit');
    for (let index = 0; index < 4; index++) expect((await chat()).status).toBe(200);
    await waitFor(() => workerPids().length === 2, 15_000, 'a new worker');
    const replacement = workerPids().find((pid) => pid !== victim && app.stderr().includes(`worker ${victim}`));
    await waitFor(() => /worker \d+ serves/.test(app.stderr()), 30_000, 'the new worker to listen');
    expect(replacement).toBeDefined();
    for (let index = 0; index < 4; index++) expect((await chat()).status).toBe(200);
  });

  it('finishes in-flight streams on every worker on SIGTERM, then exits 0 with no worker left', async () => {
    // glm's breaker is still open from the test above: these go to kimi.
    sim.reset();
    sim.script('kimi-k2-0905-preview', 'latency?ms=1500');
    const pids = workerPids();
    // Each on a new connection: a pooled one may still point at the worker the test above killed.
    const streams = Array.from({ length: 8 }, () =>
      call('/v1/chat/completions', { body: { model: 'kimi/kimi-k2-0905-preview', messages, stream: true } }).then(
        ({ body }) =>
          String(body)
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6)),
      ),
    );
    await waitFor(() => sim.log.length === 8, 10_000, '8 upstream calls');
    app.child.kill('SIGTERM');
    for (const events of await Promise.all(streams)) expect(events.at(-1)).toBe('[DONE]');
    expect(await app.exit).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('--workers refused', () => {
  it.each([['0'], ['many'], ['1.5']])('exits 2 for --workers %s', async (value) => {
    await expect(spawnApp({ config: {}, args: ['--workers', value] })).rejects.toThrow(/exited with 2: .*--workers/s);
  });
});
