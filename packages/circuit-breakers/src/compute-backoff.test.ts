import { OverloadedError, RateLimitedError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { computeBackoff } from './index.js';

describe('computeBackoff()', () => {
  it('grows exponentially with full jitter and stops at maxDelayMs', () => {
    const top = { random: () => 0.999999 };
    expect(computeBackoff(1, new OverloadedError(), top)).toBe(249);
    expect(computeBackoff(2, new OverloadedError(), top)).toBe(499);
    expect(computeBackoff(3, new OverloadedError(), top)).toBe(999);
    expect(computeBackoff(10, new OverloadedError(), top)).toBe(7999);
    expect(computeBackoff(40, new OverloadedError(), { ...top, baseDelayMs: 100, maxDelayMs: 1000 })).toBe(999);
    expect(computeBackoff(3, new OverloadedError(), { random: () => 0 })).toBe(0);
  });

  it('spreads waits over the whole range (full jitter)', () => {
    const waits = Array.from({ length: 200 }, () => computeBackoff(3, new OverloadedError()));
    expect(Math.min(...waits)).toBeLessThan(250);
    expect(Math.max(...waits)).toBeGreaterThan(750);
    for (const wait of waits) expect(wait).toBeLessThan(1000);
  });

  it('never waits less than retryAfterMs, and gives up (Infinity) past maxRetryAfterMs', () => {
    expect(computeBackoff(1, new RateLimitedError({ retryAfterMs: 2000 }), { random: () => 0.5 })).toBe(2000);
    expect(computeBackoff(5, new RateLimitedError({ retryAfterMs: 100 }), { random: () => 0.999 })).toBe(3996);
    expect(computeBackoff(1, new RateLimitedError({ retryAfterMs: 31_000 }))).toBe(Number.POSITIVE_INFINITY);
    expect(computeBackoff(1, new RateLimitedError({ retryAfterMs: 31_000 }), { maxRetryAfterMs: 60_000 })).toBe(31_000);
  });

  it('ignores retry hints on errors that are not GatewayErrors', () => {
    expect(computeBackoff(1, Object.assign(new Error('x'), { retryAfterMs: 5000 }), { random: () => 0 })).toBe(0);
  });
});
