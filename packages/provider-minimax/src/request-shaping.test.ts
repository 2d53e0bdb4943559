import { describe, expect, it } from 'vitest';
import { mapMinimaxError, readBaseResp } from './error-mapping.js';
import { shapeMinimaxRequest } from './request-shaping.js';

const base = { model: 'MiniMax-M2.5', messages: [{ role: 'user', content: 'hi' }] };

describe('shapeMinimaxRequest', () => {
  it('clamps temperature into (0, 1]', () => {
    expect(shapeMinimaxRequest({ ...base, temperature: 0 }).temperature).toBe(0.01);
    expect(shapeMinimaxRequest({ ...base, temperature: 1.5 }).temperature).toBe(1);
    expect(shapeMinimaxRequest({ ...base, temperature: 0.7 }).temperature).toBe(0.7);
  });

  it('sends max_completion_tokens and drops undocumented fields', () => {
    const undocumented = {
      tool_choice: 'required',
      response_format: { type: 'json_object' },
      seed: 1,
      frequency_penalty: 1,
      presence_penalty: 1,
      parallel_tool_calls: true,
    };
    const shaped = shapeMinimaxRequest({ ...base, max_tokens: 256, ...undocumented });
    expect(shaped.max_completion_tokens).toBe(256);
    for (const field of ['max_tokens', ...Object.keys(undocumented)]) expect(shaped).not.toHaveProperty(field);
  });

  it('asks for reasoning_split by default, not when thinking is disabled, and obeys an explicit choice', () => {
    expect(shapeMinimaxRequest(base).reasoning_split).toBe(true);
    expect(shapeMinimaxRequest({ ...base, thinking: { type: 'disabled' } })).not.toHaveProperty('reasoning_split');
    expect(shapeMinimaxRequest({ ...base, reasoning_split: false })).not.toHaveProperty('reasoning_split');
  });

  it('carries an assistant turn reasoning back in MiniMax form', () => {
    const messages = [...base.messages, { role: 'assistant', content: 'ok', reasoning_content: 'why' }];
    const split = shapeMinimaxRequest({ ...base, messages }).messages as Array<Record<string, unknown>>;
    expect(split[1]).toMatchObject({
      role: 'assistant',
      content: 'ok',
      reasoning_details: [{ type: 'reasoning.text', text: 'why' }],
    });
    expect(split[1]).not.toHaveProperty('reasoning_content');
    const inline = shapeMinimaxRequest({ ...base, messages, thinking: { type: 'disabled' } }).messages as Array<
      Record<string, unknown>
    >;
    expect(inline[1]!.content).toBe('<think>\nwhy\n</think>\n\nok');
  });
});

describe('mapMinimaxError', () => {
  const resp = (code: number, message: string) => ({
    id: 'x',
    choices: null,
    base_resp: { status_code: code, status_msg: message },
  });
  it.each([
    [1002, 'rate limit', 'rate_limited'],
    [1004, 'not authorized', 'upstream_auth'],
    [1008, 'insufficient balance', 'upstream_billing'],
    [1026, 'input new_sensitive', 'content_filter'],
    [1039, 'token limit', 'context_length'],
    [2013, 'invalid params', 'bad_request'],
    [1024, 'internal error', 'server'],
  ])('maps base_resp %i on an HTTP 200 to %s', (code, message, expected) => {
    const error = mapMinimaxError({
      status: 200,
      body: resp(code, message),
      headers: new Headers({ 'retry-after': '1' }),
    });
    expect(error.code).toBe(expected);
    expect(error.message).toContain(message);
    expect(error.statusCode).not.toBe(200);
  });

  it('ignores a success base_resp and maps plain HTTP errors', () => {
    expect(readBaseResp({ base_resp: { status_code: 0, status_msg: 'success' } })).toBeUndefined();
    expect(mapMinimaxError({ status: 503, body: 'busy' }).code).toBe('overloaded');
    expect(
      mapMinimaxError({
        status: 429,
        body: { error: { message: 'slow down' } },
        headers: new Headers({ 'retry-after': '4' }),
      }).retryAfterMs,
    ).toBe(4000);
  });
});
