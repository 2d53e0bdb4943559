import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectFallbackAnswers, json, post, startGateway, type TestGateway } from './helpers.js';

// The provider rejecting the gateway's own key is the provider's fault: the caller gets a fail-over,
// or a 502/503 with a code of its own; 401 stays the answer to the caller's own bad gateway key.

const callerKey = 'caller-key-0123456789';
const adminKey = 'admin-key-0123456789';
let gateway: TestGateway;
let client: OpenAI;
const messages = [{ role: 'user' as const, content: 'Say hello' }];

beforeAll(async () => {
  gateway = await startGateway({
    env: { EXAI_API_KEYS: callerKey, EXAI_ADMIN_KEYS: adminKey },
    config: { breaker: { volumeThreshold: 1_000, credentialHoldMs: 60_000 } },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: callerKey, maxRetries: 0 });
});
afterAll(() => gateway.close());
beforeEach(() => gateway.sim.reset());

describe('provider credential failures over HTTP', () => {
  it('GLM out of balance (429, code 1113): the listed Kimi fallback answers, fell_back true', async () => {
    gateway.sim.script('glm-4.6', 'billing');
    await expectFallbackAnswers(client, { model: 'glm-4.6', messages }, 'kimi-k2-0905-preview');
  });

  it('with no fallback: 502 upstream_auth in OpenAI shape, then 503 while held; readyz and metrics name the provider, never the key', async () => {
    gateway.sim.script('kimi-k2-0905-preview', 'key-invalid');
    const first = await post(
      `${gateway.url}/v1/chat/completions`,
      { model: 'kimi-k2-0905-preview', messages },
      { authorization: `Bearer ${callerKey}` },
    );
    expect(first.status).toBe(502);
    const body = await json(first);
    expect(body.error).toMatchObject({ code: 'upstream_auth', type: 'api_error' });
    expect(body.error.message).toContain('kimi');
    expect(body.error.message).not.toContain('sim-key');

    const held = await post(
      `${gateway.url}/v1/chat/completions`,
      { model: 'kimi-k2-0905-preview', messages },
      { authorization: `Bearer ${callerKey}` },
    );
    expect(held.status).toBe(503);
    expect((await json(held)).error.code).toBe('upstream_auth');

    const ready = await json(await fetch(`${gateway.url}/readyz`));
    expect(ready.providers.find((provider: { id: string }) => provider.id === 'kimi')).toMatchObject({
      credentials: 'held',
    });
    expect(ready.held_keys).toEqual(
      expect.arrayContaining([expect.objectContaining({ provider: 'kimi', key: 1, reason: 'upstream_auth' })]),
    );
    expect(JSON.stringify(ready)).not.toContain('sim-key');

    const metrics = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })
    ).text();
    expect(metrics).toMatch(/exai_provider_credential_failures_total\{provider="kimi"\} 1/);
    expect(metrics).not.toContain('sim-key');

    const snapshot = await json(
      await fetch(`${gateway.url}/dashboard/snapshot`, { headers: { authorization: `Bearer ${adminKey}` } }),
    );
    expect(snapshot.providers.find((provider: { id: string }) => provider.id === 'kimi')).toMatchObject({
      credentials: 'held',
    });
  });

  it("the caller's own bad gateway key still gets 401 with the gateway's message, and no upstream call", async () => {
    const response = await post(
      `${gateway.url}/v1/chat/completions`,
      { model: 'glm-4.6', messages },
      { authorization: 'Bearer not-a-key' },
    );
    expect(response.status).toBe(401);
    expect((await json(response)).error).toMatchObject({
      code: 'invalid_api_key',
      type: 'authentication_error',
      message: 'Invalid API key',
    });
    expect(gateway.sim.log).toHaveLength(0);
  });
});
