import type { ChatChunk } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { stopReason, toAnthropicError, toChatRequest, toUsage } from './mapping.js';
import { globToRegExp, routeModel } from './model-map.js';
import { messagesBodySchema } from './schema.js';
import { AnthropicStreamMapper } from './stream-events.js';

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): ChatChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  provider: 'p',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('anthropic mapping', () => {
  it('counts cache reads apart from input_tokens when the provider reports them', () => {
    expect(toUsage({ prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, cached_tokens: 60 })).toEqual({
      input_tokens: 40,
      output_tokens: 7,
      cache_read_input_tokens: 60,
      cache_creation_input_tokens: 0,
    });
    expect(toUsage({ prompt_tokens: 100, completion_tokens: 7, total_tokens: 107 })).toEqual({
      input_tokens: 100,
      output_tokens: 7,
    });
  });

  it('maps finish reasons to stop reasons', () => {
    expect([
      stopReason('stop', false),
      stopReason('length', false),
      stopReason('tool_calls', true),
      stopReason('content_filter', false),
      stopReason(null, true),
    ]).toEqual(['end_turn', 'max_tokens', 'tool_use', 'refusal', 'tool_use']);
  });

  it('maps the request: system blocks, tool choice, thinking budget, user id, server tools dropped', () => {
    const body = messagesBodySchema.parse({
      model: 'x',
      max_tokens: 10,
      system: [
        { type: 'text', text: 'a', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'b' },
      ],
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { name: 'f', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: 'u1' },
      stop_sequences: ['END'],
    });
    expect(toChatRequest(body, { model: 'glm', models: ['kimi'] })).toEqual({
      model: 'glm',
      models: ['kimi'],
      messages: [
        { role: 'system', content: 'a\n\nb' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 10,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u1',
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
  });

  it('streams two tool calls as two tool_use blocks, late argument deltas going to their own block', () => {
    const mapper = new AnthropicStreamMapper();
    const events = [
      ...mapper.start('msg_1', 'm'),
      ...mapper.push(chunk({ content: 'Let me check.' })),
      ...mapper.push(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"q":' } }] })),
      ...mapper.push(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{}' } }] })),
      ...mapper.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, 'tool_calls')),
      ...mapper.end({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }),
    ];
    expect(
      events.map((event) => `${event.event}${'index' in event.data ? `:${String(event.data.index)}` : ''}`),
    ).toEqual([
      'message_start',
      'ping',
      'content_block_start:0',
      'content_block_delta:0',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1',
      'content_block_stop:1',
      'content_block_start:2',
      'content_block_delta:2',
      'content_block_delta:1',
      'content_block_stop:2',
      'message_delta',
      'message_stop',
    ]);
    expect(events.at(-2)?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { input_tokens: 5, output_tokens: 3 },
    });
  });

  it('routes model names through globs, skipping names nothing serves', () => {
    expect(globToRegExp('claude-*haiku*').test('claude-3-5-haiku-latest')).toBe(true);
    expect(globToRegExp('a.b*').test('aXb')).toBe(false);
    const served = new Set(['glm', 'kimi']);
    const why = (name: string) => (served.has(name) ? undefined : `unknown ${name}`);
    expect(routeModel('claude-sonnet-4', { 'claude-*': ['minimax', 'glm', 'kimi'] }, why)).toEqual({
      model: 'glm',
      models: ['kimi'],
    });
    expect(routeModel('kimi', { 'claude-*': 'glm' }, why)).toEqual({ model: 'kimi' });
    expect(() => routeModel('claude-x', { 'claude-*': 'minimax' }, why)).toThrow(/'model'.*minimax/);
    expect(() => routeModel('gpt-9', {}, why)).toThrow(/'model': unknown gpt-9/);
  });

  it('gives each status its Anthropic error type', () => {
    const body = { error: { message: 'm', type: 't', code: null, param: null } };
    expect([400, 401, 404, 413, 429, 500, 503, 418].map((status) => toAnthropicError(status, body).error.type)).toEqual(
      [
        'invalid_request_error',
        'authentication_error',
        'not_found_error',
        'request_too_large',
        'rate_limit_error',
        'api_error',
        'overloaded_error',
        'invalid_request_error',
      ],
    );
  });
});
