import type { ChatChunk } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { continuationRequest, overlapOf, Splice } from './resume.js';

describe('overlapOf: what a continuation repeats of the text the caller has', () => {
  const given = 'Simulated answer to: why do streams br';

  it('no repeat: nothing to trim, decided as soon as no longer repeat is possible', () => {
    expect(overlapOf(given, 'eak, and how', false)).toBe(0);
  });

  it('a repeat of the last words is trimmed whole', () => {
    expect(overlapOf(given, 'why do streams break', false)).toBe('why do streams br'.length);
  });

  it('waits while the start could still become a repeat', () => {
    expect(overlapOf(given, 'why do', false)).toBeUndefined();
    expect(overlapOf(given, 'why do', true)).toBe(0);
  });

  it('a coincidence shorter than 8 characters is not a repeat', () => {
    // The right continuation of "...br" may start with "br" again ("brbr..." is unlikely, "r" is not).
    expect(overlapOf('hello wor', 'rld', false)).toBe(0);
  });

  it('a short given text counts only when repeated whole', () => {
    expect(overlapOf('Hi', 'Hi there', false)).toBe(2);
    expect(overlapOf('Hi', 'i there', false)).toBe(0);
  });
});

describe('continuationRequest', () => {
  const request = { model: 'm', messages: [{ role: 'user' as const, content: 'q' }] };

  it('a prefill: the partial answer as the final assistant message', () => {
    expect(continuationRequest(request, { content: 'Par', reasoning: 'r' }, true).messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Par',
      partial: true,
    });
  });

  it('reasoning only: the prefill carries it; without prefill the request is asked afresh', () => {
    expect(continuationRequest(request, { content: '', reasoning: 'thin' }, true).messages.at(-1)).toMatchObject({
      reasoning_content: 'thin',
    });
    expect(continuationRequest(request, { content: '', reasoning: 'thin' }, false)).toBe(request);
  });

  it('in words: the partial answer, then the instruction to continue it', () => {
    const messages = continuationRequest(request, { content: 'Par', reasoning: '' }, false).messages;
    expect(messages.slice(1).map((message) => message.role)).toEqual(['assistant', 'user']);
    expect(messages.at(-1)?.content).toMatch(/continue/i);
  });
});

describe('Splice before any seam', () => {
  const chunk = (content: string, finish: string | null = null): ChatChunk => ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    provider: 'p',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });
  const target = { provider: 'q', model: 'n' } as Parameters<Splice['resume']>[0];

  it('passes each chunk as it came (no copy) and holds the finish for the end', () => {
    const splice = new Splice({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
    expect(splice.started).toBe(false);
    const first = chunk('Hel');
    expect(splice.take(first)).toBe(first);
    expect(splice.take(chunk('lo'))).toMatchObject({ choices: [{ delta: { content: 'lo' } }] });
    expect(splice.started).toBe(true);
    const last = chunk('', 'stop');
    expect(splice.take(last)).toBeUndefined();
    expect(splice.end()).toEqual([last]);
    expect(splice.content).toBe('Hello');
  });

  it('joins the text kept in pieces when a continuation needs it, and trims its repeat', () => {
    const splice = new Splice({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
    for (const part of ['Streams ', 'break ', 'some']) splice.take(chunk(part));
    expect(splice.content).toBe('Streams break some');
    splice.resume(target);
    expect(splice.resumed).toEqual([{ provider: 'q', model: 'n', at_char: 18 }]);
    expect(splice.take(chunk('eams break sometimes'))?.choices[0]?.delta.content).toBe('times');
    expect(splice.content).toBe('Streams break sometimes');
  });
});
