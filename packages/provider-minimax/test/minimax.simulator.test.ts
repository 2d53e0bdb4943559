import { type ChatChunk, type ChatRequest, GatewayError } from '@exai/core';
import { runToolLoop } from '@exai/provider-openai-compatible';
import {
  chatRequestBodies,
  collect as collectAll,
  rejectionOf,
  useSimulator,
  withEnv,
} from '@exai/provider-simulator/test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createMinimax,
  minimax as defaultInstance,
  MINIMAX_BASE_URLS,
  type MinimaxProvider,
  resolveMinimaxBaseURL,
} from '../src/index.js';

const simulator = useSimulator();
let minimax: MinimaxProvider;

beforeAll(() => {
  minimax = createMinimax({ apiKey: 'test-key', baseURL: simulator.sim.baseURL('minimax'), env: {} });
});

const hello: ChatRequest = { model: 'MiniMax-M2.5', messages: [{ role: 'user', content: 'hello' }] };
const noThinking: ChatRequest = { ...hello, thinking: { type: 'disabled' } };

const chatBodies = () => chatRequestBodies(simulator.sim);
const failureOf = (run: () => Promise<unknown>) => rejectionOf(run, GatewayError.isInstance);

async function collect(
  stream: AsyncIterable<ChatChunk>,
): Promise<{ chunks: ChatChunk[]; content: string; reasoning: string }> {
  const chunks = await collectAll(stream);
  return {
    chunks,
    content: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
    reasoning: chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join(''),
  };
}

describe('MiniMax adapter against the simulator', () => {
  it('merges provider_options but never over model, messages, stream or the token limits', async () => {
    await minimax.chat({
      ...hello,
      max_tokens: 40,
      provider_options: {
        model: 'other-model',
        messages: [],
        stream: true,
        max_tokens: 999_999,
        n: 8,
        user_tag: 'kept',
      },
    });
    const body = chatBodies().at(-1)!;
    expect(body).toMatchObject({
      messages: [{ role: 'user', content: 'hello' }],
      max_completion_tokens: 40,
      user_tag: 'kept',
    });
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.model).not.toBe('other-model');
    expect(body).not.toHaveProperty('stream');
    expect(body).not.toHaveProperty('n');
  });

  it('chats with reasoning_split on by default: reasoning separate, content clean', async () => {
    const response = await minimax.chat(hello);
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    expect(response.choices[0]!.message.reasoning_content).toContain('Thinking about: hello');
    expect(chatBodies()[0]!.reasoning_split).toBe(true);
    expect(minimax.resolveModel('minimax').id).toBe('MiniMax-M3');
  });

  it('splits <think> blocks out of content when reasoning_split is off', async () => {
    const response = await minimax.chat(noThinking);
    expect(chatBodies()[0]).not.toHaveProperty('reasoning_split');
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    expect(response.choices[0]!.message.reasoning_content).toContain('Thinking about: hello');
  });

  it.each([
    ['reasoning_details', hello],
    ['<think> tags', noThinking],
  ])('streams reasoning apart from content (%s)', async (_label, request) => {
    const { chunks, content, reasoning } = await collect(minimax.stream(request));
    expect(content).toBe('Simulated answer to: hello');
    expect(content).not.toContain('think>');
    expect(reasoning).toContain('Thinking about: hello');
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('shapes the body: max_completion_tokens, temperature 0 → 0.01, no tool_choice or seed', async () => {
    const response = await minimax.chat({
      ...hello,
      max_tokens: 77,
      temperature: 0,
      tool_choice: 'auto',
      seed: 1,
      response_format: { type: 'json_object' },
    });
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    const body = chatBodies()[0]!;
    expect(body.max_completion_tokens).toBe(77);
    expect(body.temperature).toBe(0.01);
    for (const field of ['max_tokens', 'tool_choice', 'seed', 'response_format'])
      expect(body).not.toHaveProperty(field);
  });

  it('completes a tool round trip and carries the reasoning back to MiniMax', async () => {
    const result = await runToolLoop({
      adapter: minimax,
      request: { ...hello, messages: [{ role: 'user', content: 'Rome' }] },
      tools: [
        {
          name: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          handler: ({ city }) => `warm in ${String(city)}`,
        },
      ],
    });
    expect(result.response.choices[0]!.message.content).toBe('Tool results: warm in Rome');
    const assistant = (chatBodies()[1]!.messages as Array<Record<string, unknown>>).find(
      (message) => message.role === 'assistant',
    );
    expect(assistant?.reasoning_details).toEqual([
      expect.objectContaining({ type: 'reasoning.text', text: expect.stringContaining('Thinking about: Rome') }),
    ]);
  });
});

describe('MiniMax error mapping against the simulator', () => {
  it('maps a bad key to auth', async () => {
    const bad = createMinimax({ apiKey: 'bad-key', baseURL: simulator.sim.baseURL('minimax'), env: {} });
    expect((await failureOf(() => bad.chat(hello))).code).toBe('upstream_auth');
  });

  it.each([
    ['context-length', 'context_length'],
    ['content-filter', 'content_filter'],
    ['http-500', 'server'],
    ['http-503', 'overloaded'],
  ])('maps scenario %s to %s, in chat and in streams', async (scenario, code) => {
    const options = { headers: { 'x-sim-scenario': scenario } };
    expect((await failureOf(() => minimax.chat(hello, options))).code).toBe(code);
    expect((await failureOf(() => collect(minimax.stream(hello, options)))).code).toBe(code);
  });

  it('maps 429 with its Retry-After', async () => {
    const error = await failureOf(() => minimax.chat({ ...hello, model: 'MiniMax-M2.5~http-429?retry_after=2' }));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(2000);
  });

  it('reaches the simulator exactly once for an upstream 500', async () => {
    await failureOf(() => minimax.chat(hello, { headers: { 'x-sim-scenario': 'http-500' } }));
    await failureOf(() => collect(minimax.stream(hello, { headers: { 'x-sim-scenario': 'http-500' } })));
    expect(chatBodies()).toHaveLength(2);
  });
});

describe('MiniMax configuration', () => {
  it('reads MINIMAX_API_KEY and MINIMAX_BASE_URL', async () => {
    const fromEnv = createMinimax({
      env: { MINIMAX_API_KEY: 'bad-key', MINIMAX_BASE_URL: simulator.sim.baseURL('minimax') },
    });
    expect((await failureOf(() => fromEnv.chat(hello))).code).toBe('upstream_auth');
    expect(resolveMinimaxBaseURL({ env: {} })).toBe(MINIMAX_BASE_URLS.international);
    expect(resolveMinimaxBaseURL({ region: 'mainland', env: {} })).toBe('https://api.minimaxi.com/v1');
  });
});

describe('the default instance', () => {
  it('is created on first use from process.env', async () => {
    const baseURL = simulator.sim.baseURL('minimax');
    const response = await withEnv({ MINIMAX_API_KEY: 'test-key', MINIMAX_BASE_URL: baseURL }, () =>
      defaultInstance.chat(hello),
    );
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    expect(defaultInstance.id).toBe('minimax');
    expect(defaultInstance.baseURL).toBe(baseURL);
  });
});
