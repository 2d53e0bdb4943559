import { GatewayError } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAI, createOpenAICompatible, openai } from '../src/index.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const lastBody = () => sim.log.at(-1)?.body as Record<string, unknown>;

describe('createOpenAI against the simulator', () => {
  it('reads OPENAI_API_KEY and OPENAI_BASE_URL from the environment', async () => {
    const adapter = createOpenAI({
      env: { OPENAI_API_KEY: 'sk-env-key-123456', OPENAI_BASE_URL: sim.baseURL('openai') },
    });
    expect(adapter).toMatchObject({ id: 'openai', kind: 'openai', baseURL: sim.baseURL('openai') });
    const response = await adapter.chat({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(response).toMatchObject({ provider: 'openai', model: 'gpt-5.5' });
    expect(response.choices[0]?.message.content).toBe('Simulated answer to: hi');
  });

  it('defaults to the public base URL and lets options win over the environment', () => {
    expect(createOpenAI({ env: {} }).baseURL).toBe('https://api.openai.com/v1');
    expect(createOpenAI({ env: { OPENAI_BASE_URL: 'http://a/v1' }, baseURL: 'http://b/v1', id: 'work' })).toMatchObject(
      { baseURL: 'http://b/v1', id: 'work' },
    );
  });

  it('shapes a reasoning-model request: max_completion_tokens, reasoning_effort, no sampling or gateway fields', async () => {
    const adapter = createOpenAI({ apiKey: 'k', baseURL: sim.baseURL('openai'), env: {} });
    await adapter.chat({
      model: 'gpt-5.4-mini',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a', reasoning_content: 'thought' },
        { role: 'user', content: 'q2' },
      ],
      max_tokens: 500,
      temperature: 0.3,
      thinking: { type: 'enabled', budget_tokens: 30_000 },
      continuation_id: 't1',
      models: ['gpt-4o'],
      provider_options: { service_tier: 'flex' },
    });
    const body = lastBody();
    expect(body).toMatchObject({
      model: 'gpt-5.4-mini',
      max_completion_tokens: 500,
      reasoning_effort: 'high',
      service_tier: 'flex',
    });
    for (const field of ['max_tokens', 'temperature', 'thinking', 'continuation_id', 'models', 'provider_options']) {
      expect(body).not.toHaveProperty(field);
    }
    expect((body.messages as Array<Record<string, unknown>>)[1]).toEqual({ role: 'assistant', content: 'a' });
  });

  it('keeps max_tokens and sampling for a classic model and drops thinking', async () => {
    const adapter = createOpenAI({ apiKey: 'k', baseURL: sim.baseURL('openai'), env: {} });
    await adapter.chat({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'q' }],
      max_tokens: 200,
      temperature: 0.3,
      thinking: { type: 'enabled' },
      reasoning_effort: 'high',
    });
    const body = lastBody();
    expect(body).toMatchObject({ max_tokens: 200, temperature: 0.3 });
    expect(body).not.toHaveProperty('thinking');
    expect(body).not.toHaveProperty('reasoning_effort');
  });

  it('maps errors with provider openai and reaches the upstream once', async () => {
    const adapter = createOpenAI({ apiKey: 'bad-key', baseURL: sim.baseURL('openai'), env: {} });
    const error = await adapter
      .chat({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'q' }] })
      .catch((thrown: unknown) => thrown);
    expect(GatewayError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'upstream_auth', provider: 'openai', model: 'gpt-5.5', statusCode: 502 });
    expect(sim.log).toHaveLength(1);
  });

  it('listModels merges models.json with GET /models', async () => {
    const adapter = createOpenAI({ apiKey: 'k', baseURL: sim.baseURL('openai'), env: {} });
    const models = await adapter.listModels();
    expect(models.find((model) => model.id === 'gpt-5.5')?.aliases).toContain('gpt');
    expect(models.find((model) => model.id === 'gpt-4o')?.inferred).toBeUndefined();
    expect(models.filter((model) => model.id === 'gpt-4o')).toHaveLength(1);
  });

  it('the default instance is created lazily from the environment', async () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = 'sk-lazy-0123456789';
    process.env.OPENAI_BASE_URL = sim.baseURL('openai');
    try {
      expect(openai.baseURL).toBe(sim.baseURL('openai'));
      const response = await openai.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'lazy' }] });
      expect(response.provider).toBe('openai');
    } finally {
      process.env.OPENAI_API_KEY = saved.key;
      process.env.OPENAI_BASE_URL = saved.url;
      if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
      if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
    }
  });
});

describe('createOpenAICompatible (vLLM, Ollama, LM Studio, OpenRouter)', () => {
  it('serves any endpoint with an optional key and discovers models', async () => {
    const local = createOpenAICompatible({ id: 'local', baseURL: sim.baseURL('openai'), apiKey: 'anything' });
    expect(local.kind).toBe('openai-compatible');
    const models = await local.listModels();
    expect(models.every((model) => model.inferred && model.provider === 'local')).toBe(true);
    expect(models.map((model) => model.id)).toContain('gpt-4o');
    const response = await local.chat({ model: 'llama-3.3-70b', messages: [{ role: 'user', content: 'hey' }] });
    expect(response).toMatchObject({ provider: 'local', model: 'llama-3.3-70b' });
  });

  it('sends no Authorization header without a key', async () => {
    const keyless = createOpenAICompatible({ id: 'ollama', baseURL: sim.baseURL('openai') });
    // The simulator answers 401 to a request without Authorization: proof that none was sent.
    const error = await keyless
      .chat({ model: 'qwen3', messages: [{ role: 'user', content: 'x' }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'upstream_auth', provider: 'ollama' });
    expect((error as Error).message).toContain('Missing Authorization header');
  });

  it('applies config model overrides', () => {
    const router = createOpenAICompatible({
      id: 'openrouter',
      baseURL: 'http://127.0.0.1:9/v1',
      models: [{ id: 'anthropic/claude-x', contextWindow: 200_000, aliases: ['claude'] }],
    });
    expect(router.resolveModel('claude')).toMatchObject({
      id: 'anthropic/claude-x',
      contextWindow: 200_000,
      provider: 'openrouter',
    });
  });
});
