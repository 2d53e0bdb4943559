import { describe, expect, it } from 'vitest';
import { chunkSchema, completionSchema, fitsCompletion, parseChunk, readCompletion } from './schemas.js';

const plain = [
  {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o',
    system_fingerprint: 'fp',
    choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
    usage: null,
  },
  { id: 'c1', choices: [{ index: 0, delta: {}, finish_reason: 'stop', stop_reason: 42 }] },
  {
    id: 'c1',
    choices: [],
    usage: {
      prompt_tokens: 8,
      completion_tokens: 14,
      total_tokens: 22,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 3 },
    },
  },
  {
    choices: [
      {
        index: 0,
        delta: {
          reasoning_content: 'think',
          tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f' } }],
        },
        finish_reason: null,
        matched_stop: 'END',
      },
    ],
  },
  { error: { message: 'overloaded' } },
];

// Known fields of the wrong type: zod drops them (`.catch`), and so must the fast path by deferring to it.
const odd = [
  { id: 7, choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] },
  { id: 'c', choices: [{ index: '0', delta: { content: 'x' } }] },
  { id: 'c', choices: [{ index: 0, delta: { content: 5 } }] },
  { id: 'c', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: {} } }] } }] },
  { id: 'c', choices: [{ index: 0, delta: null, finish_reason: 3 }] },
  { id: null, choices: [null] },
  { id: 'c', choices: [], usage: { prompt_tokens: '8', prompt_tokens_details: { cached_tokens: null } } },
  { id: 'c', choices: 'none' },
];

describe('parseChunk (the stream chunk fast path)', () => {
  it('passes a chunk that already has the schema shape as it is, equal to what zod makes of it', () => {
    for (const raw of plain) {
      const parsed = parseChunk(raw);
      expect(parsed).toBe(raw);
      expect(parsed).toEqual(chunkSchema.parse(raw));
    }
  });

  it('sends any chunk with a known field of the wrong type through zod', () => {
    for (const raw of odd) {
      const parsed = parseChunk(raw);
      expect(parsed).not.toBe(raw);
      expect(parsed).toEqual(chunkSchema.parse(raw));
    }
  });

  it('is no chunk for anything but an object', () => {
    for (const raw of [null, 'text', 3, [], [{ choices: [] }]]) expect(parseChunk(raw)).toBeUndefined();
  });
});

const answer = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hi', reasoning_content: 'r', refusal: null },
      finish_reason: 'stop',
      logprobs: null,
      stop_reason: 7,
    },
    {
      message: {
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }, { index: 1 }],
      },
      finish_reason: null,
      matched_stop: 'END',
    },
  ],
  usage: {
    prompt_tokens: 3,
    completion_tokens: 1,
    total_tokens: 4,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: null,
  },
  system_fingerprint: 'fp',
};

describe('fitsCompletion', () => {
  it('takes a well-typed answer as parsed, equal to what the schema returns', () => {
    for (const body of [answer, { choices: [] }, { choices: null }, { ...answer, usage: null }, {}]) {
      expect(fitsCompletion(body), JSON.stringify(body)).toBe(true);
      expect(readCompletion(body)).toBe(body);
      expect(completionSchema.parse(body)).toEqual(body);
    }
  });

  it('leaves a field of an unexpected type to the schema, which drops it', () => {
    const odd: unknown[] = [
      { ...answer, id: null },
      { ...answer, created: '1' },
      { ...answer, choices: [{ message: null }] },
      { ...answer, choices: ['x'] },
      { ...answer, choices: [{ message: { content: 5 } }] },
      { ...answer, choices: [{ message: { tool_calls: [{ function: null }] } }] },
      { ...answer, choices: [{ finish_reason: 1 }] },
      { ...answer, usage: { prompt_tokens: '3' } },
      { ...answer, usage: { prompt_tokens_details: { cached_tokens: null } } },
      { ...answer, choices: {} },
      [],
      null,
    ];
    for (const body of odd) {
      expect(fitsCompletion(body), JSON.stringify(body)).toBe(false);
      const parsed = completionSchema.safeParse(body);
      expect(readCompletion(body)).toEqual(parsed.success ? parsed.data : {});
    }
  });
});
