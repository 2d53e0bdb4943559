import { describe, expect, it } from 'vitest';
import { mapKimiError } from './error-mapping.js';
import { kimiWebSearchTool, shapeKimiRequest } from './request-shaping.js';

const base = { model: 'kimi-k2.5', messages: [{ role: 'user', content: 'hi' }] };

describe('shapeKimiRequest', () => {
  it('clamps temperature into [0, 1]', () => {
    expect(shapeKimiRequest({ ...base, temperature: 1.5 }).temperature).toBe(1);
    expect(shapeKimiRequest({ ...base, temperature: -1 }).temperature).toBe(0);
    expect(shapeKimiRequest({ ...base, temperature: 0.3 }).temperature).toBe(0.3);
  });

  it('drops unsupported fields and renames max_completion_tokens', () => {
    const shaped = shapeKimiRequest({
      ...base,
      seed: 1,
      parallel_tool_calls: true,
      reasoning_effort: 'high',
      user: 'u',
      max_completion_tokens: 99,
    });
    for (const field of ['seed', 'parallel_tool_calls', 'reasoning_effort', 'user', 'max_completion_tokens'])
      expect(shaped).not.toHaveProperty(field);
    expect(shaped.max_tokens).toBe(99);
  });

  it('keeps the $web_search builtin and turns the portable web_search tool into it', () => {
    expect(shapeKimiRequest({ ...base, tools: [kimiWebSearchTool] }).tools).toEqual([
      { type: 'builtin_function', function: { name: '$web_search' } },
    ]);
    expect(shapeKimiRequest({ ...base, tools: [{ type: 'web_search' }] }).tools).toEqual([kimiWebSearchTool]);
  });

  it('passes partial mode and reasoning_content through untouched', () => {
    const messages = [
      { role: 'user', content: 'write a poem' },
      { role: 'assistant', content: 'Roses', partial: true, reasoning_content: 'hmm' },
    ];
    expect(shapeKimiRequest({ ...base, messages }).messages).toEqual(messages);
  });

  it('downgrades tool_choice values Kimi rejects to auto', () => {
    const tools = [{ type: 'function', function: { name: 'f', strict: true } }];
    expect(shapeKimiRequest({ ...base, tools, tool_choice: 'required' }).tool_choice).toBe('auto');
    expect(shapeKimiRequest({ ...base, tools, tool_choice: 'none' }).tool_choice).toBe('none');
    expect(shapeKimiRequest({ ...base, tools }).tools).toEqual([{ type: 'function', function: { name: 'f' } }]);
  });
});

describe('mapKimiError', () => {
  const body = (type: string, message: string) => ({ error: { type, message } });
  it.each([
    [
      400,
      body(
        'invalid_request_error',
        'Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)',
      ),
      'context_length',
    ],
    [400, body('invalid_request_error', 'Input token length too long'), 'context_length'],
    [400, body('invalid_request_error', 'Invalid request: temperature must be ...'), 'bad_request'],
    [400, body('content_filter', 'The request was rejected because it was considered high risk'), 'content_filter'],
    [429, body('rate_limit_reached_error', 'too many'), 'rate_limited'],
    [429, body('engine_overloaded_error', 'The engine is currently overloaded'), 'overloaded'],
    [401, body('invalid_authentication_error', 'Invalid Authentication'), 'upstream_auth'],
    [403, body('exceeded_current_quota_error', 'balance'), 'upstream_billing'],
    [500, body('server_error', 'oops'), 'server'],
    [502, 'Bad Gateway', 'server'],
  ])('maps HTTP %i %j to %s', (status, payload, expected) => {
    const error = mapKimiError({ status, body: payload, headers: new Headers({ 'retry-after': '2' }) });
    expect(error.code).toBe(expected);
    expect(error.provider).toBe('kimi');
    if (expected === 'rate_limited' || expected === 'overloaded') expect(error.retryAfterMs).toBe(2000);
  });
});
