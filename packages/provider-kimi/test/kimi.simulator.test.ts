import type { ChatRequest } from '@exai/core';
import { runToolLoop } from '@exai/provider-openai-compatible';
import { failureOf, thinProviderUnderTest, weatherRoundTrip } from '@exai/provider-openai-compatible/test';
import * as simulatorHelpers from '@exai/provider-simulator/test';
import { collect } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import {
  createKimi,
  kimi as defaultInstance,
  KIMI_BASE_URLS,
  kimiFileMessages,
  kimiWebSearchTool,
  resolveKimiBaseURL,
} from '../src/index.js';

const hello: ChatRequest = { model: 'kimi-k2-0905-preview', messages: [{ role: 'user', content: 'hello' }] };

const suite = thinProviderUnderTest(simulatorHelpers, { create: createKimi, defaultInstance, hello });
const { simulator, chatBodies, provider: kimi } = suite;

describe('Kimi adapter against the simulator', () => {
  it('chats, and the kimi alias names the flagship', async () => {
    const response = await kimi().chat(hello);
    expect(response.provider).toBe('kimi');
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    expect(kimi().resolveModel('kimi').id).toBe('kimi-k2.5');
    expect(kimi().resolveModel('moonshot-v1-9000k').inferred).toBe(true);
  });

  it('streams a thinking model with reasoning_content and usage on the last chunk', async () => {
    const chunks = await collect(kimi().stream({ ...hello, model: 'kimi-k2-thinking' }));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('')).toContain(
      'Thinking about: hello',
    );
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Simulated answer to: hello');
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('clamps temperature 1.5 to 1 before it leaves (Kimi rejects > 1)', async () => {
    const response = await kimi().chat({ ...hello, temperature: 1.5, seed: 3, max_completion_tokens: 50 });
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    const body = chatBodies()[0]!;
    expect(body.temperature).toBeLessThanOrEqual(1);
    expect(body.max_tokens).toBe(50);
    expect(body).not.toHaveProperty('seed');
  });

  it('completes a function tool round trip', async () => {
    await weatherRoundTrip(kimi(), hello, 'Oslo', 'rain');
  });

  it('completes the $web_search builtin loop, echoing the arguments back unchanged', async () => {
    const result = await runToolLoop({ adapter: kimi(), request: { ...hello, tools: [kimiWebSearchTool] }, tools: [] });
    expect(result.steps).toBe(2);
    const call = result.messages.find((message) => message.role === 'assistant')?.tool_calls?.[0];
    expect(call).toMatchObject({ type: 'builtin_function', function: { name: '$web_search' } });
    const second = chatBodies()[1]!;
    const toolMessage = (second.messages as Array<Record<string, unknown>>).find((message) => message.role === 'tool');
    expect(toolMessage?.content).toBe(call!.function.arguments);
    expect(result.response.choices[0]!.message.content).toBe(`Tool results: ${call!.function.arguments}`);
    expect((chatBodies()[0]!.tools as unknown[])[0]).toEqual({
      type: 'builtin_function',
      function: { name: '$web_search' },
    });
  });

  it('uploads a file for extraction and chats with its content as a system message', async () => {
    const file = await kimi().files.upload({
      filename: 'report.txt',
      data: new TextEncoder().encode('Revenue grew 12% in Q3.'),
    });
    expect(file.purpose).toBe('file-extract');
    const system = await kimiFileMessages(kimi(), [file.id]);
    expect(system[0]).toMatchObject({ role: 'system', content: expect.stringContaining('Revenue grew 12% in Q3.') });
    const response = await kimi().chat({
      ...hello,
      messages: [...system, { role: 'user', content: 'How much did revenue grow?' }],
    });
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: How much did revenue grow?');
    const sent = chatBodies()[0]!.messages as Array<Record<string, unknown>>;
    expect(sent[0]).toMatchObject({ role: 'system', content: expect.stringContaining('Revenue grew 12%') });
    const upload = simulator.sim.log.find((row) => row.method === 'POST' && row.path.endsWith('/files'));
    expect(upload?.body).toMatchObject({ purpose: 'file-extract', filename: 'report.txt' });
  });

  it('passes a partial-mode assistant message through', async () => {
    await kimi().chat({
      ...hello,
      messages: [...hello.messages, { role: 'assistant', content: 'Once upon', partial: true }],
    });
    expect((chatBodies()[0]!.messages as unknown[])[1]).toEqual({
      role: 'assistant',
      content: 'Once upon',
      partial: true,
    });
  });
});

describe('Kimi configuration', () => {
  it('reads KIMI_API_KEY or MOONSHOT_API_KEY and KIMI_BASE_URL', async () => {
    for (const name of ['KIMI_API_KEY', 'MOONSHOT_API_KEY']) {
      const fromEnv = createKimi({ env: { [name]: 'bad-key', KIMI_BASE_URL: simulator.sim.baseURL('kimi') } });
      expect((await failureOf(() => fromEnv.chat(hello))).code, name).toBe('upstream_auth');
    }
    expect(resolveKimiBaseURL({ env: {} })).toBe(KIMI_BASE_URLS.international);
    expect(resolveKimiBaseURL({ region: 'mainland', env: {} })).toBe('https://api.moonshot.cn/v1');
  });
});
