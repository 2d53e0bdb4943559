import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, startGateway, type TestGateway } from './helpers.js';

/** Breakers where the fault is, as /readyz, /metrics and the dashboard feed show them (decision 0022). */

const ADMIN = `sk-admin-${Math.random().toString(36).slice(2)}`;
const asAdmin = { authorization: `Bearer ${ADMIN}` };
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({
    config: { breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } },
    env: { EXAI_ADMIN_KEYS: ADMIN },
  });
});
afterAll(() => gateway.close());

const ask = (model: string) =>
  post(`${gateway.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] }, asAdmin);

describe('a 429 storm on one model', () => {
  it("opens that model's breaker only; health, metrics and the dashboard say so by scope", async () => {
    gateway.sim.script('glm-4.6', 'http-429?retry_after=none');
    for (let index = 0; index < 3; index++) await (await ask('glm/glm-4.6')).arrayBuffer();
    const other = await ask('glm/glm-4.5-air');
    expect(other.status).toBe(200);
    expect((await json(other)).model).toBe('glm-4.5-air');

    const ready = await json(await fetch(`${gateway.url}/readyz`));
    const glm = ready.providers.find((provider: { id: string }) => provider.id === 'glm');
    expect(glm).toMatchObject({ breaker: 'closed', models: [{ model: 'glm-4.6', breaker: 'open' }] });

    const metrics = await (await fetch(`${gateway.url}/metrics`, { headers: asAdmin })).text();
    expect(metrics).toContain('exai_breaker_state{provider="glm"} 0');
    expect(metrics).toContain('exai_breaker_scope_state{scope="model",provider="glm",model="glm-4.6",key=""} 2');
    expect(metrics).toContain('exai_breaker_scope_state{scope="model",provider="glm",model="glm-4.5-air",key=""} 0');
    expect(metrics).toContain('exai_breaker_scope_state{scope="provider",provider="glm",model="",key=""} 0');

    const controller = new AbortController();
    const feed = await fetch(`${gateway.url}/dashboard/events`, { headers: asAdmin, signal: controller.signal });
    const reader = feed.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const snapshot = JSON.parse(
      text
        .split('\n')
        .find((line) => line.startsWith('data: '))!
        .slice(6),
    );
    expect(snapshot.providers.find((provider: { id: string }) => provider.id === 'glm')).toMatchObject({
      breaker: 'closed',
      models: [{ model: 'glm-4.6', state: 'open' }],
    });
    expect(snapshot.breakers).toContainEqual({
      key: 'glm/glm-4.6',
      scope: 'model',
      provider: 'glm',
      model: 'glm-4.6',
      state: 'open',
    });
  });
});
