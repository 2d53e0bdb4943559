import { describe, expect, it } from 'vitest';
import { splitThink, ThinkSplitter } from './think-splitter.js';

function feed(pieces: string[]): { content: string; reasoning: string } {
  const splitter = new ThinkSplitter();
  let content = '';
  let reasoning = '';
  for (const piece of pieces) {
    const out = splitter.push(piece);
    content += out.content;
    reasoning += out.reasoning;
  }
  const rest = splitter.flush();
  return { content: content + rest.content, reasoning: reasoning + rest.reasoning };
}

describe('ThinkSplitter', () => {
  const full = '<think>\nLet me think.\n</think>\n\nThe answer is 4.';

  it('splits a whole message', () => {
    expect(splitThink(full)).toEqual({ reasoning: 'Let me think.', content: 'The answer is 4.' });
  });

  it('gives the same result however the text is cut into chunks, tags included', () => {
    for (let size = 1; size <= 9; size += 1) {
      const pieces: string[] = [];
      for (let start = 0; start < full.length; start += size) pieces.push(full.slice(start, start + size));
      const result = feed(pieces);
      expect(result.content, `chunk size ${size}`).toBe('The answer is 4.');
      expect(result.reasoning.trim(), `chunk size ${size}`).toBe('Let me think.');
    }
  });

  it('holds back only a possible partial tag and emits everything else at once', () => {
    const splitter = new ThinkSplitter();
    expect(splitter.push('<thi')).toEqual({ content: '', reasoning: '' });
    expect(splitter.push('nk>plan')).toEqual({ content: '', reasoning: 'plan' });
    expect(splitter.thinking).toBe(true);
    expect(splitter.push(' more</th')).toEqual({ content: '', reasoning: ' more' });
    expect(splitter.push('ink>done')).toEqual({ content: 'done', reasoning: '' });
  });

  it('leaves text without tags alone, even a lone "<" at the end', () => {
    expect(feed(['a < b and 1 <', ' 2'])).toEqual({ content: 'a < b and 1 < 2', reasoning: '' });
    expect(feed(['ends with <'])).toEqual({ content: 'ends with <', reasoning: '' });
  });

  it('handles several think blocks (interleaved thinking)', () => {
    expect(feed(['<think>a</think>x<think>b</think>y'])).toEqual({ content: 'xy', reasoning: 'ab' });
  });
});
