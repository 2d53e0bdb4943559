import { openGateway } from '@exai/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../src/dashboard.js';
import { ADMIN_KEY, API_KEY, type Harness, startHarness } from './ws-harness.js';

/** The dashboard's page, its admin-only feed, and the figures in it following real traffic. */

const GLM = 'glm-4.6';
const NON_LOOPBACK = '192.0.2.2';
const asAdmin = { authorization: `Bearer ${ADMIN_KEY}` };

/** Reads SSE `snapshot` events from `/dashboard/events`. */
async function openFeed(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${url}/dashboard/events`, { headers, signal: controller.signal });
  const snapshots: DashboardSnapshot[] = [];
  const waiters: Array<() => void> = [];
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(part, { stream: true });
          const events = buffer.split('\n\n');
          buffer = events.pop() ?? '';
          for (const event of events) {
            const data = event.split('\n').find((line) => line.startsWith('data: '));
            if (data) snapshots.push(JSON.parse(data.slice(6)) as DashboardSnapshot);
          }
          for (const wake of waiters.splice(0)) wake();
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    response,
    snapshots,
    async until(predicate: (snapshot: DashboardSnapshot) => boolean, timeoutMs = 5_000): Promise<DashboardSnapshot> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = snapshots.find(predicate);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching snapshot; last: ${JSON.stringify(snapshots.at(-1))?.slice(0, 1_000)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => controller.abort(),
  };
}

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const chat = (model: string, content = 'hello') =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });

describe('/dashboard', () => {
  it('serves a self-contained page: no external scripts, styles or fonts', async () => {
    const response = await fetch(`${harness.url}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('id="simulated-banner"');
    expect(html).toContain('/dashboard/events');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)|https?:\/\//);
  });

  it('streams snapshots whose figures follow the traffic', async () => {
    const feed = await openFeed(harness.url, asAdmin);
    expect(feed.response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const first = await feed.until(() => true);
    const before = first.totals.requests;
    expect(first.providers.map((provider) => provider.id).sort()).toEqual(['glm', 'kimi']);
    expect(first.simulated).toBe(false);

    harness.sim.script(GLM, 'latency?ms=60');
    const answers = await Promise.all([chat(GLM), chat(GLM), chat(GLM)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    harness.sim.script(GLM, 'http-500');
    expect((await chat(GLM)).status).toBeGreaterThanOrEqual(500);
    harness.sim.script(GLM, null);

    const after = await feed.until((snapshot) => snapshot.totals.requests >= before + 4);
    const glm = after.providers.find((provider) => provider.id === 'glm')!;
    expect(glm.requests).toBeGreaterThanOrEqual(4);
    expect(glm.p50).toBeGreaterThanOrEqual(50);
    expect(glm.p95).toBeGreaterThanOrEqual(glm.p50);
    expect(glm.errors).toBeGreaterThanOrEqual(1);
    expect(glm.errorRate).toBeGreaterThan(0);
    expect(after.totals.errors).toBeGreaterThanOrEqual(1);
    // The requests land in the per-second series (the newest second may already be a new, empty one).
    expect(after.series.reduce((sum, second) => sum + second.requests, 0)).toBeGreaterThanOrEqual(4);
    expect(
      after.recent.some(
        (request) => request.route === '/v1/chat/completions' && request.provider === 'glm' && request.status === 200,
      ),
    ).toBe(true);
    expect(after.recent.some((request) => request.status >= 500)).toBe(true);
    feed.close();
  });

  it('shows in-flight calls and breaker states live', async () => {
    const feed = await openFeed(harness.url, asAdmin);
    harness.sim.script('kimi-k2-0905-preview', 'latency?ms=1500');
    const slow = chat('kimi-k2-0905-preview');
    const busy = await feed.until(
      (snapshot) => snapshot.providers.find((provider) => provider.id === 'kimi')?.inFlight === 1,
    );
    expect(busy.totals.inFlight).toBeGreaterThanOrEqual(1);
    expect(busy.providers.find((provider) => provider.id === 'kimi')?.breaker).toBe('closed');
    await slow;
    harness.sim.script('kimi-k2-0905-preview', null);
    await feed.until((snapshot) => snapshot.providers.find((provider) => provider.id === 'kimi')?.inFlight === 0);
    feed.close();
  });
});

describe('dashboard access', () => {
  it('needs an admin key from beyond loopback', async () => {
    const remote = await startHarness({ host: NON_LOOPBACK });
    try {
      expect((await fetch(`${remote.url}/dashboard/events`)).status).toBe(401);
      expect(
        (await fetch(`${remote.url}/dashboard/events`, { headers: { authorization: `Bearer ${API_KEY}` } })).status,
      ).toBe(403);
      const feed = await openFeed(remote.url, { authorization: `Bearer ${ADMIN_KEY}` });
      expect(feed.response.status).toBe(200);
      await feed.until(() => true);
      feed.close();
    } finally {
      await remote.close();
    }
  });

  it('says SIMULATED in first-run mode', async () => {
    const firstRun = await startHarness({ simulated: true, open: true, env: { EXAI_LOOPBACK_ADMIN: '1' } });
    try {
      const feed = await openFeed(firstRun.url);
      const snapshot = await feed.until(() => true);
      expect(snapshot.simulated).toBe(true);
      expect(snapshot.providers.map((provider) => provider.id)).toEqual(
        expect.arrayContaining(['glm', 'kimi', 'minimax', 'openai']),
      );
      feed.close();
    } finally {
      await firstRun.close();
    }
  });
});

describe('hot path', () => {
  it('costs a finished request a few pushes, and builds no snapshot while no page is connected', async () => {
    const { DashboardFeed } = await import('../src/dashboard.js');
    const gateway = await openGateway({ config: harness.deps.config });
    const engine = gateway.engine;
    try {
      let statusCalls = 0;
      const counted = new Proxy(engine, {
        get(target, key, receiver) {
          if (key === 'status') statusCalls += 1;
          return Reflect.get(target, key, receiver);
        },
      });
      const feed = new DashboardFeed({ ...harness.deps, engine: counted });
      const started = performance.now();
      for (let index = 0; index < 20_000; index += 1) {
        const now = Date.now();
        feed.record({
          time: now,
          route: '/v1/chat/completions',
          model: GLM,
          provider: 'glm',
          status: index % 10 === 0 ? 503 : 200,
          latencyMs: index % 300,
        });
        feed.recordSession({ status: 'running', provider: 'glm', queuedAt: now - 5, endedAt: undefined });
        feed.recordSession({
          status: index % 10 === 0 ? 'failed' : 'completed',
          provider: 'glm',
          queuedAt: now - (index % 300),
          endedAt: now,
        });
      }
      const perRequestMicros = ((performance.now() - started) * 1000) / 20_000;
      expect(statusCalls).toBe(0);
      expect(perRequestMicros).toBeLessThan(20);
      const snapshot = feed.snapshot();
      expect(statusCalls).toBe(1);
      expect(snapshot.providers.find((provider) => provider.id === 'glm')?.errorRate).toBeCloseTo(0.1, 1);
      feed.close();
    } finally {
      await gateway.close(100);
    }
  });
});
