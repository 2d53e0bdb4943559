/**
 * A map that keeps at most `capacity` entries, dropping the least recently used (read or written)
 * one first: for anything keyed by a name a client can make up (a model, a key id) that must not
 * grow without bound. A `Map` keeps insertion order, so recency is "delete, then set again" and the
 * oldest entry is `keys().next()`: O(1), no extra structure.
 */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('LruMap: capacity must be an integer >= 1');
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, made the most recently used. */
  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Without touching recency. */
  has(key: K): boolean {
    return this.#entries.has(key);
  }

  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Least recently used first. */
  keys(): IterableIterator<K> {
    return this.#entries.keys();
  }
}
