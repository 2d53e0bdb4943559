import type { Turn } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { historyBudget, MESSAGE_OVERHEAD_TOKENS, packHistory, turnTokens } from './history.js';

/** A turn whose content costs exactly `tokens` estimated tokens (plus the per-message overhead). */
const turn = (role: Turn['role'], label: string, tokens = 10): Turn => ({
  role,
  content: label.padEnd(tokens * 4, '.'),
});
const cost = (tokens: number) => tokens + MESSAGE_OVERHEAD_TOKENS;
const labels = (messages: { content: unknown }[]) =>
  messages.map((message) => String(message.content).replace(/\.+$/, ''));

describe('packHistory', () => {
  const conversation: Turn[] = [
    turn('user', 'q1'),
    turn('assistant', 'a1'),
    turn('user', 'q2'),
    turn('assistant', 'a2'),
    turn('user', 'q3'),
    turn('assistant', 'a3'),
  ];

  it('keeps everything, oldest first, when it all fits', () => {
    const packed = packHistory(conversation, 1_000);
    expect(labels(packed.messages)).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', 'a3']);
    expect(packed.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(packed.dropped).toBe(0);
  });

  it('keeps the newest turns and drops the oldest', () => {
    const packed = packHistory(conversation, cost(10) * 4);
    expect(labels(packed.messages)).toEqual(['q2', 'a2', 'q3', 'a3']);
    expect(packed.dropped).toBe(2);
  });

  it('stops at the first turn that does not fit instead of skipping it and keeping older ones', () => {
    const turns = [
      turn('user', 'old small', 1),
      turn('assistant', 'old answer', 1),
      turn('user', 'huge', 500),
      turn('assistant', 'recent'),
    ];
    const packed = packHistory(turns, cost(10) + cost(1) * 2 + 50);
    expect(labels(packed.messages)).toEqual([]);
    const standalone = [turn('system', 'old small', 1), turn('assistant', 'huge', 500), turn('assistant', 'recent')];
    const packedStandalone = packHistory(standalone, cost(10) + cost(1) + 50);
    expect(labels(packedStandalone.messages)).toEqual(['recent']);
    expect(packedStandalone.dropped).toBe(2);
  });

  it('keeps a question and its answer together: never opens with an orphaned answer', () => {
    // Room for three turns: the oldest pair's answer would fit alone, but not with its question.
    const packed = packHistory(conversation.slice(0, 4), cost(10) * 3);
    expect(labels(packed.messages)).toEqual(['q2', 'a2']);
    expect(packed.messages[0]!.role).toBe('user');
    expect(packed.dropped).toBe(2);
  });

  it('never exceeds the budget', () => {
    for (let budget = 0; budget < 120; budget += 7) {
      const packed = packHistory(conversation, budget);
      const used = packed.messages.reduce(
        (sum, message) => sum + Math.ceil(String(message.content).length / 4) + MESSAGE_OVERHEAD_TOKENS,
        0,
      );
      expect(used).toBeLessThanOrEqual(budget);
      expect(packed.dropped + packed.messages.length).toBe(conversation.length);
    }
  });

  it('returns nothing for a zero, negative or invalid budget', () => {
    for (const budget of [0, -5, Number.NaN]) {
      expect(packHistory(conversation, budget)).toEqual({ messages: [], dropped: 6 });
    }
    expect(packHistory([], 100)).toEqual({ messages: [], dropped: 0 });
  });

  it('replays a stored tool turn as a labelled user message, since providers reject a bare tool message', () => {
    const packed = packHistory([{ role: 'tool', tool: 'web_search', content: 'three results' }], 100);
    expect(packed.messages).toEqual([{ role: 'user', content: '[Result of tool web_search]\nthree results' }]);
    expect(turnTokens({ role: 'tool', tool: 'web_search', content: 'three results' })).toBe(
      Math.ceil('[Result of tool web_search]\nthree results'.length / 4) + MESSAGE_OVERHEAD_TOKENS,
    );
  });

  it('keeps system turns in place and drops metadata fields from the messages', () => {
    const packed = packHistory(
      [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi', files: ['a.ts'] },
        { role: 'assistant', content: 'hello', model: 'glm-4.6', provider: 'glm', tool: 'chat' },
      ],
      100,
    );
    expect(packed.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });
});

describe('historyBudget', () => {
  it('is the window minus max output, the prompt and the reserve', () => {
    expect(historyBudget({ contextWindow: 128_000, maxOutput: 8_000 }, 2_000)).toBe(128_000 - 8_000 - 2_000 - 12_800);
    expect(historyBudget({ contextWindow: 128_000, maxOutput: 8_000 }, 2_000, 0)).toBe(118_000);
    expect(historyBudget({ contextWindow: 10_000, maxOutput: 1_000 }, 0, 0.25)).toBe(6_500);
  });

  it('is never negative', () => {
    expect(historyBudget({ contextWindow: 8_000, maxOutput: 2_000 }, 50_000)).toBe(0);
    expect(historyBudget({ contextWindow: 0, maxOutput: 0 }, 0)).toBe(0);
    expect(historyBudget({ contextWindow: 8_000, maxOutput: 2_000 }, 0, 5)).toBe(0);
  });

  it('caps the output reservation at half the window', () => {
    expect(historyBudget({ contextWindow: 100_000, maxOutput: 100_000 }, 0, 0)).toBe(50_000);
  });
});
