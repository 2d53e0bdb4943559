import type { ChatMessage, ChatRequest } from '@exai/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { type ChatBody, type chatBodySchema, parseChatBody } from './chat-schema.js';

/** The fields a type requires (the optional ones dropped). */
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];

// The HTTP schema and core's ChatRequest are one declaration seen from two sides; these fail to compile when they drift.
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
