import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Simulator } from '@exai/provider-simulator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beforeSuite, CLI, json, post, readEvents, startGateway, type TestGateway } from './helpers.js';

/**
 * Money on the full server: the cost of every answer, keys with budgets refused before any
 * upstream call once spent, one budget across two instances on one Redis, spend that survives a
 * restart, the keys CLI and the tenant-safe admin API.
 */

const ADMIN = `sk-spend-admin-${randomUUID()}`;
const POSTGRES = process.env.EXAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.EXAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** USD per million tokens: a short simulated answer costs a few hundredths of a cent. */
const pricing = { input: 10, cachedInput: 1, output: 10, currency: 'USD' };

const priced =
  (extra: Record<string, unknown> = {}) =>
  (sim: Simulator) => ({
    providers: {
      glm: {
        kind: 'glm' as const,
        baseURL: sim.baseURL('glm'),
        apiKey: 'sim-key',
        models: [{ id: 'glm-4.6', pricing }],
      },
      kimi: { kind: 'kimi' as const, baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
    },
    ...extra,
  });

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const admin = (gateway: TestGateway, path: string, init: RequestInit = {}, key = ADMIN) =>
  fetch(`${gateway.url}${path}`, {
    ...init,
    headers: { ...bearer(key), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
  });
const createKey = async (gateway: TestGateway, body: Record<string, unknown>, key = ADMIN) => {
  const response = await admin(gateway, '/v1/admin/keys', { method: 'POST', body: JSON.stringify(body) }, key);
  expect(response.status).toBe(201);
  return json(response);
};
const ask = (gateway: TestGateway, key: string, extra: Record<string, unknown> = {}) =>
  post(
    `${gateway.url}/v1/chat/completions`,
    { model: 'glm-4.6', messages: [{ role: 'user', content: 'Say something short' }], max_tokens: 200, ...extra },
    bearer(key),
  );

describe('cost and budgets (SQLite)', () => {
  const gateway = beforeSuite(() => startGateway({ config: priced(), env: { EXAI_ADMIN_KEYS: ADMIN } }));

  it('every answer carries its cost: JSON (exai.cost, usage.cost) and the last stream chunk', async () => {
    const { key } = await createKey(gateway(), { name: 'costs' });
    const body = await json(await ask(gateway(), key));
    expect(body.exai.cost).toMatchObject({ currency: 'USD', estimated: false });
    const { prompt_tokens, completion_tokens } = body.usage;
    expect(body.exai.cost.amount).toBeCloseTo(((prompt_tokens + completion_tokens) * 10) / 1e6, 12);
    expect(body.usage.cost).toBe(body.exai.cost.amount);
    expect(body.exai.attempts[0].cost.amount).toBe(body.exai.cost.amount);

    const events = await readEvents(
      await ask(gateway(), key, { stream: true, stream_options: { include_usage: true } }),
    );
    const last = JSON.parse(events.at(-2)!);
    expect(last.exai.cost.amount).toBeGreaterThan(0);
    expect(events.at(-1)).toBe('[DONE]');

    // Formats without an `exai` field say it in a header.
    const messages = await post(
      `${gateway().url}/v1/messages`,
      { model: 'glm-4.6', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-api-key': key },
    );
    expect(messages.status).toBe(200);
    expect(messages.headers.get('x-exai-cost')).toMatch(/^\d[\d.e-]* USD$/);
  });

  it('a $0.001 budget is refused with budget_exceeded after the call that crosses it, with no upstream attempt', async () => {
    const created = await createKey(gateway(), {
      name: 'tiny',
      budget: { amount: 0.001, period: 'day', alert_at: 0.5 },
    });
    let spent = 0;
    let calls = 0;
    for (;;) {
      const before = gateway().sim.log.length;
      const response = await ask(gateway(), created.key);
      if (response.status === 429) {
        const body = await json(response);
        expect(body.error).toMatchObject({ code: 'budget_exceeded', type: 'insufficient_quota' });
        expect(body.error.message).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(gateway().sim.log.length).toBe(before);
        break;
      }
      expect(response.status).toBe(200);
      // Admitted only while the spend so far was under the budget.
      expect(spent).toBeLessThan(0.001);
      const body = await json(response);
      spent += body.exai.cost.amount;
      expect(body.exai.budget).toMatchObject({ limit: 0.001, period: 'day' });
      expect(body.exai.budget.spent).toBeCloseTo(spent, 12);
      calls++;
      expect(calls).toBeLessThan(100);
    }
    expect(spent).toBeGreaterThanOrEqual(0.001);
    // The Anthropic route refuses too, in Anthropic's error shape.
    const messages = await post(
      `${gateway().url}/v1/messages`,
      { model: 'glm-4.6', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-api-key': created.key },
    );
    expect(messages.status).toBe(429);
    expect((await json(messages)).type).toBe('error');
    const shown = await json(await admin(gateway(), `/v1/admin/keys/${created.id}`));
    expect(shown.budget.spent).toBeCloseTo(spent, 12);
    expect(JSON.stringify(shown)).not.toContain(created.key);
  });

  it('a key may call only its allowed models', async () => {
    const { key } = await createKey(gateway(), { name: 'only-kimi', models: ['kimi-k2-0905-preview'] });
    const refused = await ask(gateway(), key);
    expect(refused.status).toBe(404);
    expect((await json(refused)).error.code).toBe('model_not_found');
    expect((await ask(gateway(), key, { model: 'kimi-k2-0905-preview' })).status).toBe(200);
  });

  it('a key with tokens per minute is refused once its calls used them', async () => {
    const { key } = await createKey(gateway(), { name: 'tpm', tokens_per_minute: 30 });
    let status = 200;
    for (let calls = 0; status === 200 && calls < 20; calls++) status = (await ask(gateway(), key)).status;
    expect(status).toBe(429);
    const upstream = gateway().sim.log.length;
    const refused = await ask(gateway(), key);
    expect((await json(refused)).error.code).toBe('rate_limit_exceeded');
    expect(gateway().sim.log.length).toBe(upstream);
  });

  it('spend is summed per key, provider and model', async () => {
    const { id, key } = await createKey(gateway(), { name: 'summed' });
    const costs = [];
    for (let index = 0; index < 3; index++) costs.push((await json(await ask(gateway(), key))).exai.cost.amount);
    await gateway()
      .server.deps.engine.close(1_000)
      .catch(() => undefined);
    const summary = await json(await admin(gateway(), '/v1/admin/spend?period=day'));
    const row = summary.data.find((item: { api_key_id: string }) => item.api_key_id === id);
    expect(row).toMatchObject({ provider: 'glm', model: 'glm-4.6', attempts: 3 });
    expect(row.cost).toBeCloseTo(costs[0] + costs[1] + costs[2], 12);
  });
});

describe('dashboard spend', () => {
  const gateway = beforeSuite(() =>
    startGateway({
      config: (sim) => ({ ...priced()(sim), fallbacks: { 'glm-4.6': ['kimi-k2-0905-preview'] } }),
      env: { EXAI_ADMIN_KEYS: ADMIN },
    }),
  );

  it('shows spend per key and model, budget bars, the cache hit rate, fail-overs and stream rescues', async () => {
    const created = await createKey(gateway(), { name: 'bars', budget: { amount: 1, period: 'month', alert_at: 0.9 } });
    const cost = (await json(await ask(gateway(), created.key))).exai.cost.amount;
    // A fail-over before the answer starts (503), then a stream cut mid-answer that kimi continues.
    gateway().sim.script('glm-4.6', 'http-503');
    const failedOver = await readEvents(await ask(gateway(), created.key, { stream: true }));
    expect(JSON.parse(failedOver.at(-2)!).exai.fell_back).toBe(true);
    gateway().sim.reset();
    gateway().sim.script('glm-4.6', 'stream-cut?chars=12');
    const rescued = await readEvents(await ask(gateway(), created.key, { stream: true }));
    expect(JSON.parse(rescued.at(-2)!).exai.resumed).toMatchObject([{ provider: 'kimi' }]);
    await gateway()
      .server.deps.engine.close(1_000)
      .catch(() => undefined);
    const snapshot = await json(await admin(gateway(), '/dashboard/snapshot'));
    const today = snapshot.spend.today.filter((line: { apiKeyId: string }) => line.apiKeyId === created.id);
    expect(today.find((line: { model: string }) => line.model === 'glm-4.6').cost).toBeCloseTo(cost, 12);
    expect(snapshot.spend.month.length).toBeGreaterThanOrEqual(today.length);
    const bar = snapshot.spend.budgets.find((item: { apiKeyId: string }) => item.apiKeyId === created.id);
    expect(bar).toMatchObject({ name: 'bars', period: 'month', limit: 1, alertAt: 0.9 });
    expect(bar.spent).toBeGreaterThanOrEqual(cost);
    expect(snapshot.spend.cacheHitRate).toBe(0);
    expect(snapshot.spend.failovers.glm).toBeGreaterThanOrEqual(1);
    expect(snapshot.spend.streamRescues.kimi).toBe(1);
    const page = await (await fetch(`${gateway().url}/dashboard`)).text();
    for (const id of ['spend-today', 'spend-month', 'budgets', 'cache-hit-rate', 'rescues'])
      expect(page).toContain(`id="${id}"`);
  });
});

describe('admin API', () => {
  const gateway = beforeSuite(() => startGateway({ config: priced(), env: { EXAI_ADMIN_KEYS: ADMIN } }));

  it('needs an admin key; a stored admin key manages its own tenant only', async () => {
    expect((await fetch(`${gateway().url}/v1/admin/keys`)).status).toBe(401);
    const plain = await createKey(gateway(), { name: 'plain', owner: 'acme' });
    const denied = await admin(gateway(), '/v1/admin/keys', {}, plain.key);
    expect(denied.status).toBe(403);
    expect((await json(denied)).error.code).toBe('admin_key_required');

    const acmeAdmin = await createKey(gateway(), { name: 'acme-admin', owner: 'acme', admin: true });
    const other = await createKey(gateway(), { name: 'globex', owner: 'globex' });
    const mine = await createKey(gateway(), { name: 'acme-ci', budget: { amount: 1 } }, acmeAdmin.key);
    expect(mine.owner).toBe('acme');
    const listed = await json(await admin(gateway(), '/v1/admin/keys', {}, acmeAdmin.key));
    expect(listed.data.map((item: { name: string }) => item.name).sort()).toEqual(['acme-admin', 'acme-ci', 'plain']);
    expect(JSON.stringify(listed)).not.toMatch(/sk-exai-/);
    // Another tenant's key answers as an unknown one.
    expect((await admin(gateway(), `/v1/admin/keys/${other.id}`, {}, acmeAdmin.key)).status).toBe(404);
    expect((await admin(gateway(), `/v1/admin/keys/${other.id}`, { method: 'DELETE' }, acmeAdmin.key)).status).toBe(
      404,
    );
    const foreign = await admin(
      gateway(),
      '/v1/admin/keys',
      { method: 'POST', body: JSON.stringify({ name: 'x', owner: 'globex' }) },
      acmeAdmin.key,
    );
    expect(foreign.status).toBe(403);
    // A stored admin key is not a gateway admin: no metrics.
    expect((await admin(gateway(), '/metrics', {}, acmeAdmin.key)).status).toBe(403);
    // Revoked keys stop working (the gateway admin revokes across tenants).
    expect((await admin(gateway(), `/v1/admin/keys/${mine.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await json(await admin(gateway(), `/v1/admin/keys/${mine.id}`))).revoked_at).not.toBeNull();
  });

  it("spend is the caller's tenant only: a tenant's admin never sees another tenant's rows, however many keys", async () => {
    const acmeAdmin = await createKey(gateway(), { name: 'acme-admin', owner: 'acme-spend', admin: true });
    const globexAdmin = await createKey(gateway(), { name: 'globex-admin', owner: 'globex-spend', admin: true });
    const acme = await createKey(gateway(), { name: 'acme-caller', owner: 'acme-spend' });
    const globex = await createKey(gateway(), { name: 'globex-caller', owner: 'globex-spend' });
    // More keys than one page of keys (100), all newer than the key that calls.
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let index = 0; index < 101; index++)
      await gateway().server.deps.store.createApiKey(`acme-${index}`, { owner: 'acme-spend' });
    expect((await ask(gateway(), acme.key)).status).toBe(200);
    expect((await ask(gateway(), globex.key)).status).toBe(200);
    const spendOf = async (key: string) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const body = await json(await admin(gateway(), '/v1/admin/spend?period=day', {}, key));
        const ids: string[] = body.data.map((row: { api_key_id: string }) => row.api_key_id);
        if (ids.length > 0 || Date.now() > deadline) return ids;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    expect(await spendOf(acmeAdmin.key)).toEqual([acme.id]);
    expect(await spendOf(globexAdmin.key)).toEqual([globex.id]);
    const all = await spendOf(ADMIN);
    expect(all).toContain(acme.id);
    expect(all).toContain(globex.id);
    // A plain key lists nothing: neither the spend nor the dashboard (request log, recent requests).
    for (const path of ['/v1/admin/spend', '/dashboard/snapshot', '/dashboard/events'])
      expect((await admin(gateway(), path, {}, globex.key)).status, path).toBe(403);
  });

  it('bad input is a 4xx in OpenAI shape', async () => {
    const cases: Array<[string, RequestInit]> = [
      ['/v1/admin/keys', { method: 'POST', body: '{' }],
      ['/v1/admin/keys', { method: 'POST', body: JSON.stringify({}) }],
      ['/v1/admin/keys', { method: 'POST', body: JSON.stringify({ name: 'x', budget: { amount: -1 } }) }],
      [
        '/v1/admin/keys',
        { method: 'POST', body: JSON.stringify({ name: 'x', budget: { amount: 1, period: 'week' } }) },
      ],
      ['/v1/admin/keys', { method: 'POST', body: JSON.stringify({ name: 'x', surprise: true }) }],
      ['/v1/admin/keys', { method: 'POST', body: JSON.stringify([1, 2]) }],
      ['/v1/admin/keys?limit=abc', {}],
      ['/v1/admin/keys/not-a-key', {}],
      ['/v1/admin/keys/key_0000000000000000', { method: 'DELETE' }],
      ['/v1/admin/spend?period=year', {}],
    ];
    for (const [path, init] of cases) {
      const response = await admin(gateway(), path, init);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      const body = await json(response);
      expect(typeof body.error.message, path).toBe('string');
      expect(body.error).toHaveProperty('code');
    }
  });
});

describe('keys CLI', () => {
  it('create, list, show and revoke on the configured store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exai-keys-cli-'));
    const file = join(dataDir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ store: { dataDir }, logLevel: 'silent' }));
    const run = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, [CLI, 'keys', ...args, '--config', file])).stdout;
    const created = JSON.parse(
      await run('create', '--name', 'ci', '--owner', 'acme', '--budget', '5', '--period', 'month', '--alert', '0.8'),
    );
    expect(created.key).toMatch(/^sk-exai-/);
    expect(created.budget).toMatchObject({ amount: 5, period: 'month', alert_at: 0.8, spent: 0 });
    const listed = JSON.parse(await run('list'));
    expect(listed.map((item: { id: string }) => item.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(JSON.parse(await run('show', created.id))).toMatchObject({ name: 'ci', owner: 'acme', revoked_at: null });
    expect(JSON.parse(await run('revoke', created.id)).revoked_at).not.toBeNull();
    const failed = await run('revoke', created.id).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    const bad = await run('create', '--name', 'x', '--budget', 'lots').catch((error: { code: number }) => error);
    expect(bad).toMatchObject({ code: 2 });
  });
});

describe('one budget across two instances on one Redis, durable in Postgres', () => {
  const schema = `spend_${randomUUID().slice(0, 8)}`;
  const databaseUrl = `${POSTGRES}?options=-c%20search_path%3D${schema}`;
  const store = { databaseUrl, redisUrl: REDIS, redisPrefix: `exai-spend-${randomUUID().slice(0, 8)}:` };
  const start = () => startGateway({ config: priced({ store }), env: { EXAI_ADMIN_KEYS: ADMIN } });
  let one: TestGateway;
  let two: TestGateway;
  beforeAll(async () => {
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    one = await start();
    two = await start();
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('200 concurrent calls across both overspend by at most one call, and the spend survives a restart', async () => {
    const budget = 0.01;
    const created = await createKey(one, { name: 'fleet', requests_per_minute: 100_000, budget: { amount: budget } });
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const response = await ask(index % 2 ? one : two, created.key);
        return { status: response.status, body: await json(response) };
      }),
    );
    const admitted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(admitted.length + refused.length).toBe(200);
    expect(refused.every((answer) => answer.body.error.code === 'budget_exceeded')).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    const costs = admitted.map((answer) => answer.body.exai.cost.amount as number);
    const total = costs.reduce((sum, cost) => sum + cost, 0);
    expect(total).toBeLessThan(budget + Math.max(...costs) + 1e-12);
    // Upstream saw exactly the admitted calls.
    expect(one.sim.log.length + two.sim.log.length).toBe(admitted.length);
    const before = (await json(await admin(two, `/v1/admin/keys/${created.id}`))).budget.spent;
    expect(before).toBeCloseTo(total, 12);

    await one.close();
    one = await start();
    const after = (await json(await admin(one, `/v1/admin/keys/${created.id}`))).budget.spent;
    expect(after).toBe(before);
    // Spend on until refused, then restart the other instance: still refused, same spend.
    for (let calls = 0; (await ask(one, created.key)).status === 200; calls++) expect(calls).toBeLessThan(100);
    const spent = (await json(await admin(one, `/v1/admin/keys/${created.id}`))).budget.spent;
    expect(spent).toBeGreaterThanOrEqual(budget);
    await two.close();
    two = await start();
    expect((await json(await admin(two, `/v1/admin/keys/${created.id}`))).budget.spent).toBe(spent);
    const upstream = two.sim.log.length;
    expect((await ask(two, created.key)).status).toBe(429);
    expect(two.sim.log.length).toBe(upstream);
  }, 120_000);
});
