import { describe, expect, it } from 'vitest';
import { createGlm } from './glm-provider.js';
import { glmWebSearchTool, shapeGlmRequest } from './request-shaping.js';

const base = { model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }] };
const weatherTool = { type: 'function', function: { name: 'weather', parameters: { type: 'object' }, strict: true } };

describe('shapeGlmRequest', () => {
  it('turns a forced or required tool_choice into auto and strips strict from tools', () => {
    const forced = shapeGlmRequest({
      ...base,
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'weather' } },
    });
    expect(forced.tool_choice).toBe('auto');
    expect(forced.tools).toEqual([{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }]);
    expect(shapeGlmRequest({ ...base, tools: [weatherTool], tool_choice: 'required' }).tool_choice).toBe('auto');
  });

  it('drops the tools when the caller chose none', () => {
    const shaped = shapeGlmRequest({ ...base, tools: [weatherTool], tool_choice: 'none' });
    expect(shaped.tools).toBeUndefined();
    expect(shaped.tool_choice).toBeUndefined();
  });

  it('renames max_completion_tokens and drops fields GLM rejects', () => {
    const rejected = {
      frequency_penalty: 0.5,
      presence_penalty: 0.5,
      stream_options: { include_usage: true },
      parallel_tool_calls: false,
      seed: 7,
    };
    const shaped = shapeGlmRequest({ ...base, max_completion_tokens: 500, ...rejected });
    expect(shaped.max_tokens).toBe(500);
    for (const field of ['max_completion_tokens', ...Object.keys(rejected)]) expect(shaped).not.toHaveProperty(field);
  });

  it('keeps an explicit max_tokens over max_completion_tokens', () => {
    expect(shapeGlmRequest({ ...base, max_tokens: 10, max_completion_tokens: 500 }).max_tokens).toBe(10);
  });

  it('sends thinking as {type} only and maps reasoning_effort onto it', () => {
    expect(shapeGlmRequest({ ...base, thinking: { type: 'enabled', budget_tokens: 100 } }).thinking).toEqual({
      type: 'enabled',
    });
    expect(shapeGlmRequest({ ...base, reasoning_effort: 'high' }).thinking).toEqual({ type: 'enabled' });
    expect(shapeGlmRequest({ ...base, reasoning_effort: 'minimal' }).thinking).toEqual({ type: 'disabled' });
    expect(shapeGlmRequest({ ...base, reasoning_effort: 'high' })).not.toHaveProperty('reasoning_effort');
  });

  it('clamps temperature and top_p into GLM ranges', () => {
    const shaped = shapeGlmRequest({ ...base, temperature: 1.7, top_p: 0 });
    expect(shaped.temperature).toBe(1);
    expect(shaped.top_p).toBe(0.01);
  });

  it('fills in the web_search built-in tool with result reporting on', () => {
    const shaped = shapeGlmRequest({ ...base, tools: [{ type: 'web_search' }] });
    expect(shaped.tools).toEqual([glmWebSearchTool()]);
    expect(glmWebSearchTool().web_search).toMatchObject({
      enable: true,
      search_result: true,
      search_engine: 'search_pro',
    });
    const custom = shapeGlmRequest({
      ...base,
      tools: [{ type: 'web_search', web_search: { search_engine: 'search-prime' } }],
    });
    expect((custom.tools as Array<{ web_search: Record<string, unknown> }>)[0]!.web_search.search_engine).toBe(
      'search-prime',
    );
  });

  it('merges provider_options last (in the base adapter), so any newer GLM field can be sent', async () => {
    let sent = '';
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      sent = String(init?.body);
      return new Response(
        JSON.stringify({
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        }),
        {
          headers: { 'content-type': 'application/json' },
        },
      );
    };
    await createGlm({ apiKey: 'k', baseURL: 'http://127.0.0.1:9', fetch, env: {} }).chat({
      model: 'glm-4.6',
      messages: [{ role: 'user', content: 'hi' }],
      provider_options: { tool_stream: true, seed: 3 },
    });
    const shaped = JSON.parse(sent) as Record<string, unknown>;
    expect(shaped.tool_stream).toBe(true);
    expect(shaped.seed).toBe(3);
    expect(shaped).not.toHaveProperty('provider_options');
  });

  it('does not mutate its input', () => {
    const input = { ...base, tools: [weatherTool], tool_choice: 'required', seed: 1 };
    const copy = structuredClone(input);
    shapeGlmRequest(input);
    expect(input).toEqual(copy);
  });
});
