import { describe, expect, it } from 'vitest';
import type { Target } from './resolve.js';
import { PrefillMemory } from './resume.js';

const target = (model: string): Target => ({ provider: 'glm', model, info: { prefill: true } }) as unknown as Target;

describe('PrefillMemory', () => {
  it('10,000 made-up model names that refused a prefill keep the memory at its cap', () => {
    const memory = new PrefillMemory(500);
    const real = target('glm-4.6');
    memory.refused(real);
    for (let index = 0; index < 10_000; index++) {
      memory.refused(target(`made-up-${index}`));
      if (index % 100 === 0) expect(memory.takes(real)).toBe(false); // asked about often: still remembered
      expect(memory.size).toBeLessThanOrEqual(500);
    }
    expect(memory.size).toBe(500);
    expect(memory.takes(target('made-up-9999'))).toBe(false);
    // The oldest made-up name was forgotten: it is asked with a prefill again (and would refuse again).
    expect(memory.takes(target('made-up-0'))).toBe(true);
  });
});
