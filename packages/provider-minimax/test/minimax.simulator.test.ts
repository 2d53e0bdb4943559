import type { ChatChunk, ChatRequest } from '@exai/core';
import { failureOf, thinProviderUnderTest, weatherRoundTrip } from '@exai/provider-openai-compatible/test';
import * as simulatorHelpers from '@exai/provider-simulator/test';
import { collect as collectAll } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import { createMinimax, minimax as defaultInstance, MINIMAX_BASE_URLS, resolveMinimaxBaseURL } from '../src/index.js';

const hello: ChatRequest = { model: 'MiniMax-M2.5', messages: [{ role: 'user', content: 'hello' }] };
const noThinking: ChatRequest = { ...hello, thinking: { type: 'disabled' } };

const suite = thinProviderUnderTest(simulatorHelpers, {
  create: createMinimax,
  defaultInstance,
  hello,
  tokenLimitField: 'max_completion_tokens',
});
const { simulator, chatBodies, provider: minimax } = suite;

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
  it('chats with reasoning_split on by default: reasoning separate, content clean', async () => {
    const response = await minimax().chat(hello);
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    expect(response.choices[0]!.message.reasoning_content).toContain('Thinking about: hello');
    expect(chatBodies()[0]!.reasoning_split).toBe(true);
    expect(minimax().resolveModel('minimax').id).toBe('MiniMax-M3');
  });

  it('splits <think> blocks out of content when reasoning_split is off', async () => {
    const response = await minimax().chat(noThinking);
    expect(chatBodies()[0]).not.toHaveProperty('reasoning_split');
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    expect(response.choices[0]!.message.reasoning_content).toContain('Thinking about: hello');
  });

  it.each([
    ['reasoning_details', hello],
    ['<think> tags', noThinking],
  ])('streams reasoning apart from content (%s)', async (_label, request) => {
    const { chunks, content, reasoning } = await collect(minimax().stream(request));
    expect(content).toBe('Simulated answer to: hello');
    expect(content).not.toContain('think>');
    expect(reasoning).toContain('Thinking about: hello');
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('shapes the body: max_completion_tokens, temperature 0 → 0.01, no tool_choice or seed', async () => {
    const response = await minimax().chat({
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
    await weatherRoundTrip(minimax(), hello, 'Rome', 'warm');
    const assistant = (chatBodies()[1]!.messages as Array<Record<string, unknown>>).find(
      (message) => message.role === 'assistant',
    );
    expect(assistant?.reasoning_details).toEqual([
      expect.objectContaining({ type: 'reasoning.text', text: expect.stringContaining('Thinking about: Rome') }),
    ]);
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
