import { describe, expect, it } from 'vitest';
import { continuationRequest, overlapOf } from './resume.js';

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
