import type { ChatChunk } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { normalizeKimiChunk } from './normalize.js';

const chunk: ChatChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'kimi-k2.5',
  provider: 'kimi',
  choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
};

describe('normalizeKimiChunk', () => {
  it('lifts the usage Kimi reports inside the final choice to the chunk', () => {
    const raw = {
      choices: [
        {
          index: 0,
          delta: {},
          finish_reason: 'stop',
          usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, cached_tokens: 2 },
        },
      ],
    };
    expect(normalizeKimiChunk(raw, chunk).usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 7,
      total_tokens: 12,
      cached_tokens: 2,
    });
  });

  it('keeps a top-level usage and reasoning deltas', () => {
    const withUsage = { ...chunk, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
    expect(normalizeKimiChunk({ choices: [{ usage: { prompt_tokens: 9 } }] }, withUsage).usage?.total_tokens).toBe(2);
    const raw = { choices: [{ index: 0, delta: { reasoning_content: 'hmm' } }] };
    expect(normalizeKimiChunk(raw, chunk).choices[0]!.delta.reasoning_content).toBe('hmm');
  });
});
