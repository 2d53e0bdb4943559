import { describe, expect, it } from 'vitest';
import { LruMap } from './lru-map.js';

describe('LruMap', () => {
  it('10,000 made-up keys keep it at its cap; the least recently used go first', () => {
    const map = new LruMap<string, number>(100);
    map.set('glm/glm-4.6', 1);
    for (let index = 0; index < 10_000; index++) {
      map.set(`glm/made-up-${index}`, index);
      if (index % 50 === 0) expect(map.get('glm/glm-4.6')).toBe(1); // used: kept
      expect(map.size).toBeLessThanOrEqual(100);
    }
    expect(map.size).toBe(100);
    expect(map.has('glm/glm-4.6')).toBe(true);
    expect(map.has('glm/made-up-0')).toBe(false);
    expect(map.get('glm/made-up-9999')).toBe(9_999);
    expect(map.delete('glm/made-up-9999')).toBe(true);
    expect(map.size).toBe(99);
  });

  it('setting a key again replaces it and makes it the most recent', () => {
    const map = new LruMap<string, string>(2);
    map.set('a', '1');
    map.set('b', '2');
    map.set('a', '3');
    map.set('c', '4');
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(map.get('a')).toBe('3');
  });

  it('refuses a cap below 1', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
