/**
 * A small bounded async queue: one producer pushes and waits while it is full, one consumer
 * pulls with a timeout. A consumer that reads slowly slows the producer instead of growing the
 * queue, so a stream held for a slow client holds at most `capacity` items.
 */
export class Channel<T> {
  readonly #items: T[] = [];
  readonly #capacity: number;
  #waiter: (() => void) | undefined;
  #space: (() => void) | undefined;
  #closed = false;
  #error: unknown;

  /** `capacity`: items queued before `push` makes the producer wait. Default 64. */
  constructor(capacity = 64) {
    this.#capacity = Math.max(1, capacity);
  }

  /**
   * Queues `item`. Returns undefined while there is room for the next one; otherwise a promise
   * that resolves when the consumer has taken an item (or the channel closed), and rejects with
   * `signal`'s reason when it aborts first. Awaiting only that promise keeps the fast path free.
   */
  push(item: T, signal?: AbortSignal): Promise<void> | undefined {
    this.#items.push(item);
    this.#wake();
    if (this.#items.length < this.#capacity || this.#closed) return undefined;
    return this.#room(signal);
  }

  async #room(signal: AbortSignal | undefined): Promise<void> {
    while (this.#items.length >= this.#capacity && !this.#closed) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const abort = () => {
          this.#space = undefined;
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', abort, { once: true });
        this.#space = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
      });
    }
  }

  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#wake();
    this.#freed();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  #freed(): void {
    const space = this.#space;
    this.#space = undefined;
    space?.();
  }

  /**
   * The next item; `done` when closed cleanly; throws the close error. Rejects with
   * `onTimeout()` when nothing arrives within `timeoutMs`.
   */
  async next(
    timeoutMs: number,
    onTimeout: () => unknown,
    signal?: AbortSignal,
  ): Promise<{ done: false; value: T } | { done: true }> {
    for (;;) {
      if (this.#items.length > 0) {
        const value = this.#items.shift() as T;
        this.#freed();
        return { done: false, value };
      }
      if (this.#closed) {
        if (this.#error !== undefined) throw this.#error;
        return { done: true };
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiter = undefined;
          signal?.removeEventListener('abort', abort);
          reject(onTimeout());
        }, timeoutMs);
        const abort = () => {
          clearTimeout(timer);
          this.#waiter = undefined;
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', abort, { once: true });
        this.#waiter = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          resolve();
        };
      });
    }
  }
}
