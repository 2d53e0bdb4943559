import type { RecentRequest, RecentRequests } from './deps.js';

/** A fixed-size buffer of the latest requests; the oldest falls off. */
export class RecentRequestBuffer implements RecentRequests {
  readonly capacity: number;
  readonly #items: RecentRequest[] = [];
  #next = 0;

  constructor(capacity = 200) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: RecentRequest): void {
    if (this.#items.length < this.capacity) this.#items.push(item);
    else this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
  }

  toArray(): RecentRequest[] {
    if (this.#items.length < this.capacity) return [...this.#items];
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}
