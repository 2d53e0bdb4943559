import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

describe('retry budget', () => {
  it('allows retries up to a share of first attempts, with a floor, per provider', () => {
    const budget = new RetryBudget({ windowMs: 10_000, ratio: 0.2, floor: 3 });
    for (let index = 0; index < 50; index++) budget.request('glm', 0);
    const allowed = Array.from({ length: 20 }, () => budget.tryRetry('glm', 1)).filter(Boolean).length;
    expect(allowed).toBe(10);
    // Another provider has its own budget; a quiet one still gets the floor.
    expect(Array.from({ length: 5 }, () => budget.tryRetry('kimi', 1)).filter(Boolean).length).toBe(3);
  });

  it('refills as the window slides', () => {
    const budget = new RetryBudget({ windowMs: 1_000, ratio: 0, floor: 2 });
    expect([budget.tryRetry('glm', 0), budget.tryRetry('glm', 0), budget.tryRetry('glm', 0)]).toEqual([
      true,
      true,
      false,
    ]);
    // One window later the previous window still counts; two windows later it is forgotten.
    expect(budget.tryRetry('glm', 1_000)).toBe(false);
    expect(budget.tryRetry('glm', 3_000)).toBe(true);
  });
});
