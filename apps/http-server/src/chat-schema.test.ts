import type { ChatMessage, ChatRequest } from '@exai/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  type ChatBody,
  type chatBodySchema,
  fastChatBody,
  parseChatBody,
  parseChatBodyWithSchema,
} from './chat-schema.js';

/** The fields a type requires (the optional ones dropped). */
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];

// The HTTP schema and core's ChatRequest are one declaration seen from two sides;
// these fail to compile when they drift.
describe('chatBodySchema and ChatRequest', () => {
  it('declare the same fields', () => {
    type Body = Omit<ChatBody, 'remember'>;
    // Every field of the request is accepted by the schema, and the schema accepts no field the request lacks.
    expectTypeOf<keyof Body>().toEqualTypeOf<keyof ChatRequest>();
    expectTypeOf<RequiredKeys<Body>>().toEqualTypeOf<RequiredKeys<ChatRequest>>();
    expectTypeOf<z.input<typeof chatBodySchema>['remember']>().toEqualTypeOf<boolean | undefined>();
  });

  it('agree field by field, but for the wire leniencies parseChatBody maps', () => {
    type Mapped = 'messages' | 'stream_options';
    expectTypeOf<Omit<ChatBody, 'remember' | Mapped>>().toExtend<Omit<ChatRequest, Mapped>>();
    expectTypeOf<Omit<ChatRequest, Mapped>>().toExtend<Omit<ChatBody, 'remember' | Mapped>>();
    // A message as core declares it is a valid body message; the body adds `developer` and an absent `content`.
    expectTypeOf<ChatMessage>().toExtend<ChatBody['messages'][number]>();
    expectTypeOf<ReturnType<typeof parseChatBody>['request']>().toEqualTypeOf<ChatRequest>();
  });

  it('maps the leniencies', () => {
    const { request } = parseChatBody({
      model: 'm',
      messages: [
        { role: 'developer', content: 'be brief' },
        { role: 'assistant', tool_calls: [] },
      ],
      stream_options: null,
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'assistant', content: null, tool_calls: [] },
    ]);
    expect('stream_options' in request).toBe(false);
  });
});

describe('fastChatBody', () => {
  const same = [
    { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
    { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: null },
    {
      stream_options: { include_usage: true },
      user: 'u',
      messages: [
        { name: 'n', role: 'developer', content: 'be brief' },
        { role: 'assistant', content: null },
        { role: 'assistant' },
        { role: 'user', name: 'x' },
      ],
      remember: true,
      max_tokens: 10,
      temperature: 0,
      model: 'm',
      top_p: 1,
      stop: ['a', 'b'],
      seed: -3,
      frequency_penalty: -2,
      presence_penalty: 2,
      parallel_tool_calls: false,
      max_completion_tokens: 1_000_000,
    },
    { model: 'm', messages: [{ role: 'tool', content: 'x' }], stop: 'END', stream_options: {}, remember: false },
  ];
  it('gives what zod gives for the common shape, key order included', () => {
    for (const body of same) {
      const fast = fastChatBody(body);
      expect(fast, JSON.stringify(body)).toBeDefined();
      expect(JSON.stringify(fast)).toBe(JSON.stringify(parseChatBodyWithSchema(body)));
    }
  });

  it('leaves every other body, valid or not, to zod', () => {
    const others: unknown[] = [
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [] },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], unknown: 1 },
      { model: 'm', messages: [{ role: 'user', content: 'hi', extra: 1 }] },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 3 },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1.5 },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: 'yes' } },
      { model: 'm', messages: [{ role: 'robot', content: 'hi' }] },
      { model: '', messages: [{ role: 'user', content: 'hi' }] },
      { model: 'm', messages: [] },
      { messages: [{ role: 'user', content: 'hi' }] },
      JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi"}],"__proto__":{"x":1}}'),
      JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi","__proto__":{"x":1}}]}'),
      [{ model: 'm' }],
      null,
    ];
    for (const body of others) expect(fastChatBody(body), JSON.stringify(body)).toBeUndefined();
  });

  it('words the errors the way zod does', () => {
    expect(() => parseChatBody({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 3 })).toThrow(
      /'temperature'/,
    );
  });
});
