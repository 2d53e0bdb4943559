import type { ChatRequest } from '@exai/core';
import { runToolLoop } from '@exai/provider-openai-compatible';
import { failureOf, thinProviderUnderTest, weatherTool } from '@exai/provider-openai-compatible/test';
import * as simulatorHelpers from '@exai/provider-simulator/test';
import { collect } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import { createGlm, glm as defaultInstance, GLM_BASE_URLS, resolveGlmBaseURL } from '../src/index.js';

const hello: ChatRequest = { model: 'glm-4.6', messages: [{ role: 'user', content: 'hello' }] };

const suite = thinProviderUnderTest(simulatorHelpers, { create: createGlm, defaultInstance, hello });
const { simulator, chatBodies, provider: glm } = suite;

describe('GLM adapter against the simulator', () => {
  it('chats, resolving the glm alias to the flagship id', async () => {
    const response = await glm().chat({ ...hello, model: 'glm-4.6' });
    expect(response.provider).toBe('glm');
    expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    expect(glm().resolveModel('glm').id).toBe('glm-5.3');
    expect(glm().resolveModel('glm-9-unknown')).toMatchObject({ id: 'glm-9-unknown', inferred: true });
  });

  it('streams reasoning_content separately from the answer, with usage on the last chunk', async () => {
    const chunks = await collect(glm().stream({ ...hello, thinking: { type: 'enabled' } }));
    const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(reasoning).toContain('Thinking about: hello');
    expect(content).toBe('Simulated answer to: hello');
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    expect(chatBodies()[0]).not.toHaveProperty('stream_options');
    expect(chatBodies()[0]!.thinking).toEqual({ type: 'enabled' });
  });

  it('completes a tool-call round trip, a forced tool_choice arriving as auto', async () => {
    const result = await runToolLoop({
      adapter: glm(),
      request: {
        ...hello,
        messages: [{ role: 'user', content: 'Paris' }],
        tool_choice: { type: 'function', function: { name: 'weather' } },
      },
      tools: [weatherTool('sunny')],
    });
    expect(result.response.choices[0]!.message.content).toBe('Tool results: sunny in Paris');
    expect(result.steps).toBe(2);
    expect(chatBodies().map((body) => body.tool_choice)).toEqual(['auto', 'auto']);
  });

  it('shapes the body: max_tokens, no penalties, seed or strict', async () => {
    await glm().chat({
      ...hello,
      max_completion_tokens: 321,
      frequency_penalty: 0.2,
      seed: 4,
      parallel_tool_calls: false,
      tools: [{ type: 'function', function: { name: 'noop', strict: true, parameters: { type: 'object' } } }],
      tool_choice: 'required',
    });
    const body = chatBodies()[0]!;
    expect(body.max_tokens).toBe(321);
    for (const field of ['max_completion_tokens', 'frequency_penalty', 'seed', 'parallel_tool_calls'])
      expect(body).not.toHaveProperty(field);
    expect((body.tools as Array<{ function: Record<string, unknown> }>)[0]!.function).not.toHaveProperty('strict');
  });

  it('returns web_search tool results as citations, in chat and in streams', async () => {
    const request: ChatRequest = {
      ...hello,
      messages: [{ role: 'user', content: 'latest ai news' }],
      tools: [{ type: 'web_search' }],
    };
    const response = await glm().chat(request);
    expect(response.citations?.length).toBe(3);
    expect(response.citations![0]).toMatchObject({
      url: expect.stringMatching(/^https:\/\/example\.com\//),
      title: expect.any(String),
      snippet: expect.any(String),
      source: 'Example News',
      published: '2026-01-15',
    });
    expect((chatBodies()[0]!.tools as unknown[])[0]).toMatchObject({
      type: 'web_search',
      web_search: { enable: true, search_result: true },
    });
    const chunks = await collect(glm().stream(request));
    expect(chunks.flatMap((chunk) => chunk.citations ?? []).length).toBeGreaterThanOrEqual(3);
  });

  it('runs the standalone web search API and returns citations', async () => {
    const citations = await glm().webSearch('latest ai news', { count: 2, recency: 'oneWeek' });
    expect(citations).toHaveLength(2);
    expect(citations[0]).toMatchObject({
      url: expect.stringContaining('example.com'),
      title: 'Result 1 for latest ai news',
      snippet: expect.any(String),
      source: 'Example News',
    });
    const attempt = simulator.sim.log.find((row) => row.path.endsWith('/web_search'));
    expect(attempt?.body).toMatchObject({
      search_query: 'latest ai news',
      count: 2,
      search_recency_filter: 'oneWeek',
      search_engine: 'search-prime',
    });
  });

  it('maps a rejected key on the web search API to auth', async () => {
    const bad = createGlm({ apiKey: 'bad-key', baseURL: simulator.sim.baseURL('glm'), env: {} });
    expect((await failureOf(() => bad.webSearch('x'))).code).toBe('upstream_auth');
  });
});

describe('GLM configuration', () => {
  it('reads the key from GLM_API_KEY, ZAI_API_KEY or ZHIPUAI_API_KEY and the URL from GLM_BASE_URL', async () => {
    for (const name of ['GLM_API_KEY', 'ZAI_API_KEY', 'ZHIPUAI_API_KEY']) {
      const fromEnv = createGlm({ env: { [name]: 'bad-key', GLM_BASE_URL: simulator.sim.baseURL('glm') } });
      expect(fromEnv.baseURL).toBe(simulator.sim.baseURL('glm'));
      expect((await failureOf(() => fromEnv.chat(hello))).code, name).toBe('upstream_auth');
    }
  });

  it('picks the region URL; an explicit baseURL or region wins over the environment', () => {
    expect(resolveGlmBaseURL({ env: {} })).toBe(GLM_BASE_URLS.international);
    expect(resolveGlmBaseURL({ region: 'mainland', env: {} })).toBe('https://open.bigmodel.cn/api/paas/v4');
    expect(resolveGlmBaseURL({ region: 'coding', env: { GLM_BASE_URL: 'http://elsewhere' } })).toBe(
      'https://api.z.ai/api/coding/paas/v4',
    );
    expect(resolveGlmBaseURL({ env: { GLM_BASE_URL: 'http://elsewhere' } })).toBe('http://elsewhere');
    expect(resolveGlmBaseURL({ baseURL: 'http://mine', region: 'mainland' })).toBe('http://mine');
  });

  it('serves the coding-plan URL of the simulator too', async () => {
    const coding = createGlm({ apiKey: 'k', baseURL: simulator.sim.baseURL('glm', { codingPlan: true }), env: {} });
    expect((await coding.chat(hello)).choices[0]!.message.content).toBe('Simulated answer to: hello');
  });
});
