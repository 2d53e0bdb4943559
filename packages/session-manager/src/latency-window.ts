import type { Percentiles } from './types.js';

/** The last `capacity` samples in a ring buffer; percentiles are computed only when asked. */
export class LatencyWindow {
  readonly #samples: Float64Array;
  #next = 0;
  #count = 0;

  constructor(capacity: number) {
    this.#samples = new Float64Array(capacity);
  }

  add(value: number): void {
    this.#samples[this.#next] = value;
    this.#next = (this.#next + 1) % this.#samples.length;
    if (this.#count < this.#samples.length) this.#count++;
  }

  percentiles(): Percentiles {
    const count = this.#count;
    if (count === 0) return { p50: 0, p95: 0, p99: 0, count: 0 };
    const sorted = this.#samples.slice(0, count).sort();
    return { p50: rank(sorted, 0.5), p95: rank(sorted, 0.95), p99: rank(sorted, 0.99), count };
  }
}

/** Nearest-rank percentile: the smallest sample with at least `fraction` of samples at or below it. */
function rank(sorted: Float64Array, fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}
