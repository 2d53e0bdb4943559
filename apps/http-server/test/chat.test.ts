import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectFallbackAnswers, json, post, readEvents, startGateway, type TestGateway, waitFor } from './helpers.js';

let gateway: TestGateway;
let client: OpenAI;
const messages = [{ role: 'user' as const, content: 'Say hello' }];

beforeAll(async () => {
  // Faults are scripted on purpose here; keep the breakers out of the way.
  gateway = await startGateway({ config: { breaker: { volumeThreshold: 1_000 } } });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
});
afterAll(() => gateway.close());
beforeEach(() => gateway.sim.reset());

describe('POST /v1/chat/completions', () => {
  it('answers with the model and provider that actually answered', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'glm-4.6', messages }).withResponse();
    expect(data.choices[0]?.message.content).toContain('Say hello');
    expect(data.model).toBe('glm-4.6');
    expect(response.headers.get('x-exai-provider')).toBe('glm');
    expect((data as unknown as { exai: { provider: string; attempts: unknown[] } }).exai).toMatchObject({
      provider: 'glm',
      attempts: [{ outcome: 'ok' }],
    });
  });

  it('reports the fallback that answered when the first model fails', async () => {
    gateway.sim.script('glm-4.6', 'http-400');
    gateway.sim.script('glm-4.6', 'http-503');
    await expectFallbackAnswers(client, { model: 'glm-4.6', messages }, 'kimi-k2-0905-preview');
  });

  it('streams chunks, usage when asked, and [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'kimi-k2-0905-preview',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toContain('Say hello');
    expect(usage?.total_tokens).toBeGreaterThan(0);
    const events = await readEvents(
      await post(`${gateway.url}/v1/chat/completions`, { model: 'glm-4.6', messages, stream: true }),
    );
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.some((event) => event !== '[DONE]' && JSON.parse(event).usage)).toBe(false);
  });

  it('sends an in-band error and no [DONE] when the upstream stream is cut', async () => {
    gateway.sim.script('glm-4.6', 'stream-cut?after=3');
    const response = await post(`${gateway.url}/v1/chat/completions`, { model: 'glm-4.6', messages, stream: true });
    expect(response.status).toBe(200);
    const events = await readEvents(response);
    expect(events).not.toContain('[DONE]');
    const last = JSON.parse(events.at(-1)!);
    expect(last.error).toMatchObject({ code: 'stream_interrupted' });
    expect(events.filter((event) => JSON.parse(event).object === 'chat.completion.chunk').length).toBeGreaterThan(0);
    await expect(async () => {
      for await (const _chunk of await client.chat.completions.create({ model: 'glm-4.6', messages, stream: true })) {
        // the official client throws on the in-band error event
      }
    }).rejects.toThrow();
  });

  it('aborts the upstream call when the client disconnects', async () => {
    gateway.sim.script('glm-4.6', 'stream-stall?after=1');
    const controller = new AbortController();
    const response = await post(
      `${gateway.url}/v1/chat/completions`,
      { model: 'glm-4.6', messages, stream: true },
      {},
      controller.signal,
    );
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await waitFor(
      () => gateway.sim.log.some((row) => row.model === 'glm-4.6' && row.clientHungUp),
      5_000,
      'the simulator to record the hang-up',
    );
  });

  it('answers an unknown model with 404 model_not_found', async () => {
    const error = await client.chat.completions
      .create({ model: 'no-such-model', messages })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('answers a bad body with 400 naming the field, never 5xx', async () => {
    const wrongRole = await post(`${gateway.url}/v1/chat/completions`, {
      model: 'glm-4.6',
      messages: [{ role: 'wizard', content: 'x' }],
    });
    expect(wrongRole.status).toBe(400);
    expect((await json(wrongRole)).error).toMatchObject({ type: 'invalid_request_error', param: 'messages[0].role' });
    const noMessages = await post(`${gateway.url}/v1/chat/completions`, { model: 'glm-4.6' });
    expect((await json(noMessages)).error.param).toBe('messages');
    const notJson = await post(`${gateway.url}/v1/chat/completions`, '{"model": ');
    expect(notJson.status).toBe(400);
    expect((await json(notJson)).error.code).toBe('invalid_json');
    const array = await post(`${gateway.url}/v1/chat/completions`, '[1]');
    expect(array.status).toBe(400);
    const error = await client.chat.completions
      .create({ model: 'glm-4.6', messages, temperature: 7 })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, param: 'temperature' });
  });

  it('continues a remembered conversation with continuation_id', async () => {
    const first = (await client.chat.completions.create({
      model: 'glm-4.6',
      messages: [{ role: 'user', content: 'My name is Ada' }],
      remember: true,
    } as never)) as unknown as { exai: { continuation_id: string } };
    expect(first.exai.continuation_id).toBeTruthy();
    gateway.sim.reset();
    await client.chat.completions.create({
      model: 'glm-4.6',
      messages: [{ role: 'user', content: 'What is my name?' }],
      continuation_id: first.exai.continuation_id,
    } as never);
    expect(JSON.stringify(gateway.sim.log.at(-1)?.body)).toContain('My name is Ada');
  });
});

describe('GET /v1/models', () => {
  it('lists every provider with capabilities', async () => {
    const models = [];
    for await (const model of client.models.list())
      models.push(model as OpenAI.Model & { exai: { capabilities: { streaming: boolean }; simulated: boolean } });
    expect(new Set(models.map((model) => model.owned_by))).toEqual(new Set(['glm', 'kimi']));
    const glm = models.find((model) => model.id === 'glm-4.6');
    expect(glm?.exai.capabilities.streaming).toBe(true);
    expect(glm?.exai.simulated).toBe(false);
  });
});
