import { Gate } from './gate.js';

/** One gate (concurrency limit) per key plus the counts the metrics need. */
export interface KeyedQueue {
  readonly queue: Gate;
  /** Sessions holding a reference (queued, running, or abandoned but still running). */
  users: number;
  queued: number;
  inFlight: number;
  /** Sessions inside this queue, waiting or holding a slot; counted by us, without the gate's microtask lag. */
  occupants: number;
}

/**
 * A gate per provider or conversation, created on first use and deleted when its last user
 * leaves, so a gateway that sees a million conversations keeps only the live ones in memory.
 */
export class KeyedQueues {
  readonly #entries = new Map<string, KeyedQueue>();
  readonly #limit: (key: string) => number;

  constructor(limit: (key: string) => number) {
    this.#limit = limit;
  }

  acquire(key: string): KeyedQueue {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { queue: new Gate(this.#limit(key)), users: 0, queued: 0, inFlight: 0, occupants: 0 };
      this.#entries.set(key, entry);
    }
    entry.users++;
    return entry;
  }

  release(key: string, entry: KeyedQueue): void {
    entry.users--;
    if (entry.users === 0 && this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  entries(): IterableIterator<[string, KeyedQueue]> {
    return this.#entries.entries();
  }
}
