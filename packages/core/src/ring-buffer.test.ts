import { describe, expect, it } from 'vitest';
import { percentile, RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the last capacity items, oldest first', () => {
    const buffer = new RingBuffer<number>(3);
    expect(buffer.toArray()).toEqual([]);
    for (const value of [1, 2]) buffer.push(value);
    expect(buffer.toArray()).toEqual([1, 2]);
    for (const value of [3, 4, 5]) buffer.push(value);
    expect(buffer.toArray()).toEqual([3, 4, 5]);
    expect(buffer.size).toBe(3);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});

describe('percentile', () => {
  it('is the nearest rank, 0 when empty', () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    expect([
      percentile(sorted, 0.5),
      percentile(sorted, 0.95),
      percentile(sorted, 0.99),
      percentile(sorted, 1),
    ]).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([], 0.5)).toBe(0);
  });
});
