import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { gatewayPerFile, json, post } from './helpers.js';

/** `POST /v1/embeddings` with the official openai SDK: OpenAI and GLM embed, others get a 400 naming who can. */
const file = gatewayPerFile(
  ['openai', 'glm', 'kimi'],
  (gateway) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-in-open-mode', maxRetries: 0 }),
  {
    fallbacks: { 'text-embedding-3-small': ['embedding-3'] },
    breaker: { volumeThreshold: 1_000 },
  },
);

const length = (vector: number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

describe('POST /v1/embeddings', () => {
  it('embeds on OpenAI (the SDK asks for base64 and decodes it), the same text the same vector', async () => {
    const { data: answer, response } = await file.client.embeddings
      .create({ model: 'text-embedding-3-small', input: ['first text', 'second text', 'first text'] })
      .withResponse();
    expect(response.headers.get('x-exai-provider')).toBe('openai');
    expect(answer.model).toBe('text-embedding-3-small');
    expect(answer.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(answer.data[0]!.embedding).toHaveLength(1536);
    expect(length(answer.data[0]!.embedding)).toBeCloseTo(1, 3);
    expect(answer.data[2]!.embedding).toEqual(answer.data[0]!.embedding);
    expect(answer.data[1]!.embedding).not.toEqual(answer.data[0]!.embedding);
    expect(answer.usage.prompt_tokens).toBeGreaterThan(0);
    // Upstreams are asked for floats; the gateway encoded base64 for the SDK.
    expect(file.gateway.sim.log.at(-1)?.body).toMatchObject({ encoding_format: 'float' });
    const floats = await file.client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'first text',
      encoding_format: 'float',
    });
    expect(floats.data[0]!.embedding.map((value) => Math.fround(value))).toEqual(answer.data[0]!.embedding);
  });

  it('embeds on GLM with dimensions', async () => {
    const { data: answer, response } = await file.client.embeddings
      .create({ model: 'embedding-3', input: 'hello', dimensions: 256 })
      .withResponse();
    expect(response.headers.get('x-exai-provider')).toBe('glm');
    expect(answer.data[0]!.embedding).toHaveLength(256);
    expect(file.gateway.sim.log.at(-1)).toMatchObject({ path: expect.stringContaining('/glm/'), status: 200 });
  });

  it('fails over to the configured fallback on a 503, and the catalog marks embedding models', async () => {
    file.gateway.sim.script('text-embedding-3-small', 'http-503');
    const { data: answer, response } = await file.client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'hello' })
      .withResponse();
    expect(response.headers.get('x-exai-provider')).toBe('glm');
    expect(answer.model).toBe('embedding-3');
    expect(file.gateway.sim.log.map((row) => [row.model, row.status])).toEqual([
      ['text-embedding-3-small', 503],
      ['embedding-3', 200],
    ]);
    const models = await json(await fetch(`${file.gateway.url}/v1/models`));
    const embedding = models.data.filter((model: { exai: { capabilities: { embeddings?: boolean } } }) => {
      return model.exai.capabilities.embeddings === true;
    });
    expect(embedding.map((model: { id: string }) => model.id).sort()).toEqual([
      'embedding-3',
      'text-embedding-3-large',
      'text-embedding-3-small',
    ]);
  });

  it('refuses a model whose provider cannot embed with a 400 listing the models that can', async () => {
    const error = await file.client.embeddings.create({ model: 'kimi-k2-0905-preview', input: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
    expect(error.message).toContain('text-embedding-3-small (openai)');
    expect(error.message).toContain('embedding-3 (glm)');
    // A chat model of a provider that embeds is refused the same way, before any upstream call.
    const chatModel = await post(`${file.gateway.url}/v1/embeddings`, { model: 'glm-4.6', input: 'x' });
    expect(chatModel.status).toBe(400);
    expect(file.gateway.sim.log).toHaveLength(0);
  });

  it.each([
    ['no input', { model: 'embedding-3' }, 'input'],
    ['an empty list', { model: 'embedding-3', input: [] }, 'input'],
    ['a number where text goes', { model: 'embedding-3', input: [['a']] }, 'input'],
    ['zero dimensions', { model: 'embedding-3', input: 'x', dimensions: 0 }, 'dimensions'],
    ['an unknown encoding', { model: 'embedding-3', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
  ])("bad input (%s) is a 400 in OpenAI's shape naming the field", async (_name, body, field) => {
    const response = await post(`${file.gateway.url}/v1/embeddings`, body);
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error).toMatchObject({ type: 'invalid_request_error', param: field });
    expect(file.gateway.sim.log).toHaveLength(0);
  });
});
