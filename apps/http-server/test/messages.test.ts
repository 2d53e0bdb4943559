import Anthropic from '@anthropic-ai/sdk';
import { loadConfig } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, readSettings, startServer } from '../src/index.js';
import { json, post, simulatorConfig, startGateway } from './helpers.js';

let gateway: { sim: Simulator; server: RunningServer; url: string };
let client: Anthropic;

beforeAll(async () => {
  const sim = await startSimulator({ port: 0 });
  const providers = {
    ...simulatorConfig(sim).providers,
    minimax: { kind: 'minimax' as const, baseURL: sim.baseURL('minimax'), apiKey: 'sim-key' },
  };
  // Faults are scripted on purpose here; keep the breakers out of the way.
  const config = loadConfig({
    env: {},
    input: simulatorConfig(sim, { providers, breaker: { volumeThreshold: 1_000 } }),
  });
  const server = await startServer({
    config,
    settings: readSettings({}).settings,
    host: '127.0.0.1',
    port: 0,
    env: {},
  });
  gateway = { sim, server, url: server.url };
  client = new Anthropic({ baseURL: gateway.url, apiKey: 'unused-in-open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await gateway.server.close(1_000);
  await gateway.sim.close();
});
beforeEach(() => gateway.sim.reset());

/** The three providers, each by a model id its catalog serves. */
const providers = [
  { provider: 'glm', model: 'glm-4.6' },
  { provider: 'kimi', model: 'kimi-k2-0905-preview' },
  { provider: 'minimax', model: 'MiniMax-M2' },
];

const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

/** Event types in order, deltas named by their delta type. */
const order = (events: Anthropic.RawMessageStreamEvent[]) =>
  events.map((event) =>
    event.type === 'content_block_delta'
      ? `delta:${event.delta.type}`
      : event.type === 'content_block_start'
        ? `start:${event.content_block.type}`
        : event.type,
  );

describe.each(providers)('POST /v1/messages on $provider', ({ provider, model }) => {
  it('creates a message', async () => {
    const { data, response } = await client.messages
      .create({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Say hello' }],
        thinking: { type: 'disabled' },
      })
      .withResponse();
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model,
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    // MiniMax's models always think; the others honour `thinking: disabled`.
    expect(data.content.filter((block) => provider !== 'minimax' || block.type !== 'thinking')).toEqual([
      { type: 'text', text: expect.stringContaining('Say hello') },
    ]);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-exai-provider')).toBe(provider);
  });

  it('streams the documented events, and finalMessage() equals the non-streamed answer', async () => {
    const params = {
      model,
      max_tokens: 256,
      messages: [{ role: 'user' as const, content: 'Say hello' }],
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
    };
    const created = await client.messages.create(params);
    const stream = client.messages.stream(params);
    const events: Anthropic.RawMessageStreamEvent[] = [];
    stream.on('streamEvent', (event) => events.push(event));
    const final = await stream.finalMessage();
    expect(final.content).toEqual(created.content);
    expect(final.stop_reason).toBe(created.stop_reason);
    expect(final.usage.output_tokens).toBe(created.usage.output_tokens);
    expect(final.usage.input_tokens).toBe(created.usage.input_tokens);
    const seen = order(events);
    expect(seen.slice(0, 2)).toEqual(['message_start', 'start:thinking']);
    expect(seen.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const thinkingStop = seen.indexOf('content_block_stop');
    expect(seen.slice(2, thinkingStop).every((type) => type === 'delta:thinking_delta')).toBe(true);
    expect(seen[thinkingStop + 1]).toBe('start:text');
    expect(seen).toContain('delta:text_delta');
    expect(created.content[0]).toMatchObject({ type: 'thinking', thinking: expect.any(String) });
    expect(created.content[1]).toMatchObject({ type: 'text' });
  });

  it('calls a tool and answers from its tool_result (with is_error and an image)', async () => {
    const first = await client.messages.create({
      model,
      max_tokens: 256,
      tools: [weather],
      messages: [{ role: 'user', content: 'Paris' }],
      thinking: { type: 'disabled' },
    });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    expect(call).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: expect.stringContaining('Paris') },
    });
    const streamed = await client.messages
      .stream({
        model,
        max_tokens: 256,
        tools: [weather],
        messages: [{ role: 'user', content: 'Paris' }],
        thinking: { type: 'disabled' },
      })
      .finalMessage();
    // Tool-use ids are the provider's, new on each call; MiniMax's streamed thinking keeps a trailing newline its JSON answer trims.
    const comparable = (content: Anthropic.ContentBlock[]) =>
      content.map((block) =>
        block.type === 'tool_use'
          ? { ...block, id: '' }
          : block.type === 'thinking'
            ? { ...block, thinking: block.thinking.trim() }
            : block,
      );
    expect(comparable(streamed.content)).toEqual(comparable(first.content));
    const answer = await client.messages.create({
      model,
      max_tokens: 256,
      tools: [weather],
      thinking: { type: 'disabled' },
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: (call as Anthropic.ToolUseBlock).id,
              is_error: true,
              content: [{ type: 'text', text: 'sunny, 21 C' }],
            },
          ],
        },
      ],
    });
    expect(answer.stop_reason).toBe('end_turn');
    expect(answer.content.filter((block) => block.type !== 'thinking')).toEqual([
      { type: 'text', text: expect.stringContaining('Tool results: Error: sunny, 21 C') },
    ]);
    const sent = gateway.sim.log.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
  });
});

describe('POST /v1/messages: routing and fail-over', () => {
  it("maps Claude Code's model names through the default modelMap", async () => {
    const sonnet = await client.messages
      .create({ model: 'claude-sonnet-4-5-20250929', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(sonnet.response.headers.get('x-exai-provider')).toBe('glm');
    const opus = await client.messages
      .create({ model: 'claude-opus-4-1', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(opus.response.headers.get('x-exai-provider')).toBe('kimi');
    const haiku = await client.messages
      .create({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 64,
        system: [{ type: 'text', text: 'Be brief', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Hi' }],
      })
      .withResponse();
    expect(haiku.data.model).toBe('glm-4.5-flash');
  });

  it("sends a tool_result's images as a user message after the tool message", async () => {
    const image = {
      type: 'image' as const,
      source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBORw0KGgo=' },
    };
    await client.messages.create({
      model: 'glm-4.6',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'Look' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'shot' }, image] },
            { type: 'text', text: 'What is it?' },
          ],
        },
      ],
    });
    const sent = gateway.sim.log.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: 'shot' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Images returned by the tool:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'What is it?' },
        ],
      },
    ]);
  });

  it('fails over to the next provider on a 503, streaming or not', async () => {
    gateway.sim.script('glm-5.3', 'http-503');
    const answer = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(answer.response.headers.get('x-exai-provider')).toBe('kimi');
    expect(answer.data.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('Hi') });
    const streamed = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect((await streamed.finalMessage()).model).toMatch(/^kimi/);
    expect(gateway.sim.log.filter((row) => row.model === 'glm-5.3').map((row) => row.status)).toEqual([503, 503]);
  });

  it('ends a stream cut mid-way with an in-band error event and no message_stop', async () => {
    gateway.sim.script('glm-4.6', 'stream-cut?after=3');
    const response = await post(`${gateway.url}/v1/messages`, {
      model: 'glm-4.6',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('event: content_block_delta');
    expect(text).not.toContain('event: message_stop');
    const last = text.trim().split('\n\n').at(-1)!;
    expect(last.split('\n')[0]).toBe('event: error');
    expect(JSON.parse(last.split('\n')[1]!.slice(6))).toMatchObject({
      type: 'error',
      error: { type: expect.any(String), message: expect.any(String) },
    });
    await expect(
      client.messages
        .stream({ model: 'glm-4.6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
        .finalMessage(),
    ).rejects.toThrow();
  });

  it('counts tokens and lists models in Anthropic shape', async () => {
    const count = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
      tools: [weather],
    });
    expect(count.input_tokens).toBeGreaterThan(100);
    const page = await client.models.list();
    expect(page.data.length).toBeGreaterThan(3);
    expect(page.data[0]).toMatchObject({ type: 'model', id: expect.any(String), display_name: expect.any(String) });
    const openai = await json(await fetch(`${gateway.url}/v1/models`));
    expect(openai.object).toBe('list');
  });
});

describe('POST /v1/messages: bad input is a 400 in Anthropic error shape naming the field', () => {
  const base = { model: 'glm-4.6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'a tool_result without its tool_use',
      {
        ...base,
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_missing', content: 'x' }] }],
      },
      'messages[0].content[0].tool_use_id',
    ],
    [
      'an unknown block type',
      { ...base, messages: [{ role: 'user', content: [{ type: 'hologram', text: 'x' }] }] },
      'messages[0].content[0].type',
    ],
    ['max_tokens missing', { model: 'glm-4.6', messages: base.messages }, "'max_tokens'"],
    ['an unknown model with no map entry', { ...base, model: 'no-such-model' }, "'model'"],
    [
      'tool_use in a user message',
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }] },
      'messages[0].content[0].type',
    ],
    ['temperature above 1', { ...base, temperature: 1.5 }, "'temperature'"],
  ];
  it.each(cases)('%s', async (_name, body, field) => {
    const response = await post(`${gateway.url}/v1/messages`, body, { 'anthropic-version': '2023-06-01' });
    expect(response.status).toBe(400);
    const error = await json(response);
    expect(error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(error.error.message).toContain(field);
    expect(gateway.sim.log).toHaveLength(0);
  });

  it('the official SDK raises BadRequestError', async () => {
    await expect(client.messages.create({ ...base, model: 'no-such-model' } as never)).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
  });
});

describe('POST /v1/messages with gateway keys', () => {
  it('takes the key as x-api-key or Bearer, and refuses in Anthropic shape', async () => {
    const keyed = await startGateway({ env: { EXAI_API_KEYS: 'gateway-secret' } });
    try {
      const body = { model: 'glm-4.6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };
      const missing = await post(`${keyed.url}/v1/messages`, body);
      expect(missing.status).toBe(401);
      expect(await json(missing)).toEqual({
        type: 'error',
        error: { type: 'authentication_error', message: expect.any(String) },
      });
      const wrong = await post(`${keyed.url}/v1/messages/count_tokens`, body, { 'x-api-key': 'nope' });
      expect(await json(wrong)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      // Other routes keep OpenAI's shape.
      expect(await json(await post(`${keyed.url}/v1/chat/completions`, body))).toMatchObject({
        error: { type: 'authentication_error', code: 'invalid_api_key' },
      });
      const byApiKey = new Anthropic({ baseURL: keyed.url, apiKey: 'gateway-secret', maxRetries: 0 });
      const byToken = new Anthropic({ baseURL: keyed.url, authToken: 'gateway-secret', apiKey: null, maxRetries: 0 });
      const headers = { 'anthropic-beta': 'interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14' };
      const texts = (message: Anthropic.Message) => message.content.filter((block) => block.type === 'text');
      expect(
        texts(await byApiKey.messages.create(body as Anthropic.MessageCreateParamsNonStreaming, { headers })),
      ).toHaveLength(1);
      expect(
        texts(
          await byToken.messages.stream(body as Anthropic.MessageCreateParamsNonStreaming, { headers }).finalMessage(),
        ),
      ).toHaveLength(1);
      await expect(
        new Anthropic({ baseURL: keyed.url, apiKey: 'wrong', maxRetries: 0 }).messages.create(
          body as Anthropic.MessageCreateParamsNonStreaming,
        ),
      ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    } finally {
      await keyed.close();
    }
  });
});
