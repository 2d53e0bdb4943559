import { createToolRegistry } from '@exai/tools';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, type Harness, startHarness } from './ws-harness.js';

/** Tools over REST through the real app: auth, listing, calls, 404/400 in OpenAI's shape, failures as isError. */

const GLM = 'glm-4.6';
let harness: Harness;
const auth = { authorization: `Bearer ${API_KEY}` };

beforeAll(async () => {
  harness = await startHarness({
    tools: (deps) => createToolRegistry({ engine: deps.engine, store: deps.store, env: {} }),
  });
});
afterAll(async () => {
  await harness?.close();
});

const call = (name: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${harness.url}/v1/tools/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('GET /v1/tools', () => {
  it('needs the API key', async () => {
    const response = await fetch(`${harness.url}/v1/tools`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: 'authentication_error' } });
  });

  it('lists name, description, JSON schema and annotations', async () => {
    const response = await fetch(`${harness.url}/v1/tools`, { headers: auth });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data: Array<{
        name: string;
        description: string;
        input_schema: Record<string, unknown>;
        annotations: Record<string, unknown>;
      }>;
    };
    const chat = body.data.find((tool) => tool.name === 'chat');
    expect(chat?.description).toMatch(/model/i);
    expect(chat?.input_schema).toMatchObject({ type: 'object', required: expect.arrayContaining(['prompt']) });
    expect(chat?.annotations).toBeTypeOf('object');
    expect(body.data.map((tool) => tool.name)).toContain('version');
  });
});

describe('POST /v1/tools/{name}', () => {
  it('runs a tool with the JSON body as arguments', async () => {
    const response = await call('chat', { prompt: 'what is a circuit breaker?', model: GLM });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      content: string;
      isError: boolean;
      meta: { provider: string; model: string };
    };
    expect(body.isError).toBe(false);
    expect(body.content).toContain('what is a circuit breaker?');
    expect(body.meta).toMatchObject({ provider: 'glm', model: GLM });
    // The app's metrics saw which provider served the tool call.
    await vi.waitFor(() =>
      expect(
        harness.deps.metrics.recent
          .toArray()
          .some((request) => request.route === '/v1/tools/:name' && request.provider === 'glm'),
      ).toBe(true),
    );
  });

  it('answers an unknown tool with 404 in the OpenAI error shape', async () => {
    const response = await call('no_such_tool', {});
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string; code: string; param: string } };
    expect(body.error).toMatchObject({ code: 'not_found', param: 'name', type: 'invalid_request_error' });
    expect(body.error.message).toMatch(/no_such_tool/);
    expect(body.error.message).toMatch(/chat/);
  });

  it('answers bad arguments with 400 naming the field', async () => {
    const response = await call('chat', { prompt: 42 });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; param: string } };
    expect(body.error.param).toBe('prompt');
    expect(body.error.message).toMatch(/prompt/);
    const array = await call('chat', [1, 2]);
    expect(array.status).toBe(400);
  });

  it('returns a tool failure as 200 with isError and a hint, as over MCP', async () => {
    harness.sim.script(GLM, 'http-401');
    try {
      const response = await call('chat', { prompt: 'hello', model: GLM });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { content: string; isError: boolean };
      expect(body.isError).toBe(true);
      expect(body.content.length).toBeGreaterThan(10);
    } finally {
      harness.sim.script(GLM, null);
    }
  });

  it('needs the API key', async () => {
    const response = await call('chat', { prompt: 'hello' }, {});
    expect(response.status).toBe(401);
  });
});
