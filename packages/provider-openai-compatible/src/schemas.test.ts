import { describe, expect, it } from 'vitest';
import { completionSchema, fitsCompletion, readCompletion } from './schemas.js';

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
