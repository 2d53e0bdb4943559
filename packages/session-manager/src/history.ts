import type { SessionRecord } from './types.js';

/**
 * Finished sessions, oldest evicted first once `capacity` is reached. A `Map` keeps insertion
 * order, so eviction is `keys().next()`: O(1), no extra structure.
 */
export class SessionHistory {
  readonly #records = new Map<string, SessionRecord>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  add(record: SessionRecord): void {
    if (this.#capacity === 0) return;
    this.#records.delete(record.requestId);
    this.#records.set(record.requestId, record);
    if (this.#records.size > this.#capacity) {
      const oldest = this.#records.keys().next().value;
      if (oldest !== undefined) this.#records.delete(oldest);
    }
  }

  get(requestId: string): SessionRecord | undefined {
    return this.#records.get(requestId);
  }

  delete(requestId: string): void {
    this.#records.delete(requestId);
  }

  /** Oldest first. */
  values(): IterableIterator<SessionRecord> {
    return this.#records.values();
  }
}
