import type { ChatChunk, ChatResponse } from '@exai/core';
import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { createMinimaxChunkNormalizer, normalizeMinimaxResponse } from './normalize.js';

const chunkOf = (
  content: string | undefined,
  raw: Record<string, unknown> = {},
): [Record<string, unknown>, ChatChunk] => [
  { choices: [{ index: 0, delta: { content, ...raw } }] },
  {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'MiniMax-M2',
    provider: 'minimax',
    choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: null }],
  },
];

const responseOf = (content: string): ChatResponse => ({
  id: 'r',
  object: 'chat.completion',
  created: 1,
  model: 'MiniMax-M2',
  provider: 'minimax',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
});

function collect(
  normalizer: ReturnType<typeof createMinimaxChunkNormalizer>,
  chunks: Array<[Record<string, unknown>, ChatChunk]>,
) {
  let content = '';
  let reasoning = '';
  const all = [...chunks.flatMap(([raw, chunk]) => normalizer(raw, chunk)), ...normalizer.flush()];
  for (const chunk of all) {
    content += chunk.choices[0]?.delta.content ?? '';
    reasoning += chunk.choices[0]?.delta.reasoning_content ?? '';
  }
  return { content, reasoning };
}

describe('MiniMax response normalization', () => {
  it('moves <think> out of a completion into reasoning_content', () => {
    const response = normalizeMinimaxResponse({}, responseOf('<think>\nplan\n</think>\n\nHello'));
    expect(response.choices[0]!.message).toMatchObject({ content: 'Hello', reasoning_content: 'plan' });
  });

  it('reads reasoning_details when reasoning_split was on', () => {
    const raw = {
      choices: [{ message: { content: 'Hi', reasoning_details: [{ type: 'reasoning.text', text: 'be polite' }] } }],
    };
    expect(normalizeMinimaxResponse(raw, responseOf('Hi')).choices[0]!.message).toMatchObject({
      content: 'Hi',
      reasoning_content: 'be polite',
    });
  });

  it('throws the mapped error for a 200 carrying a non-zero base_resp', () => {
    const raw = { choices: null, base_resp: { status_code: 1039, status_msg: 'token limit' } };
    let caught: unknown;
    try {
      normalizeMinimaxResponse(raw, responseOf(''), { model: 'MiniMax-M2' });
    } catch (error) {
      caught = error;
    }
    expect(GatewayError.isInstance(caught) && caught.code).toBe('context_length');
  });
});

describe('MiniMax stream normalization', () => {
  it('splits <think> tags cut across chunk boundaries', () => {
    const pieces = ['<th', 'ink>\nI sh', 'ould gr', 'eet.</thi', 'nk>\n\nHel', 'lo <b>there</b>'];
    const result = collect(
      createMinimaxChunkNormalizer(),
      pieces.map((piece) => chunkOf(piece)),
    );
    expect(result).toEqual({ reasoning: 'I should greet.', content: 'Hello <b>there</b>' });
  });

  it('releases a held-back partial tag at the end of the stream', () => {
    expect(collect(createMinimaxChunkNormalizer(), [chunkOf('a <thi')])).toEqual({ content: 'a <thi', reasoning: '' });
  });

  it('turns reasoning_details deltas into reasoning_content, incremental or cumulative', () => {
    const detail = (text: string) => ({ reasoning_details: [{ type: 'reasoning.text', text }] });
    const incremental = collect(createMinimaxChunkNormalizer(), [
      chunkOf(undefined, detail('The user')),
      chunkOf(undefined, detail(' says hi')),
      chunkOf('Hi!'),
    ]);
    expect(incremental).toEqual({ reasoning: 'The user says hi', content: 'Hi!' });
    const cumulative = collect(createMinimaxChunkNormalizer(), [
      chunkOf(undefined, detail('The user')),
      chunkOf(undefined, detail('The user says hi')),
    ]);
    expect(cumulative.reasoning).toBe('The user says hi');
  });
});
