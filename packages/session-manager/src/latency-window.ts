import { percentile, RingBuffer } from '@exai/core';
import type { Percentiles } from './types.js';

/** The last `capacity` samples (core's ring buffer); percentiles are computed only when asked. */
export class LatencyWindow {
  readonly #samples: RingBuffer<number>;

  constructor(capacity: number) {
    this.#samples = new RingBuffer(capacity);
  }

  add(value: number): void {
    this.#samples.push(value);
  }

  percentiles(): Percentiles {
    const count = this.#samples.size;
    if (count === 0) return { p50: 0, p95: 0, p99: 0, count: 0 };
    const sorted = Float64Array.from(this.#samples.toArray()).sort();
    return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), count };
  }
}
