/** A small unbounded async queue: one producer pushes, one consumer pulls with a timeout. */
export class Channel<T> {
  readonly #items: T[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;
  #error: unknown;

  push(item: T): void {
    this.#items.push(item);
    this.#wake();
  }

  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#wake();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /**
   * The next item; `done` when closed cleanly; throws the close error. Rejects with
   * `onTimeout()` when nothing arrives within `timeoutMs`.
   */
  async next(timeoutMs: number, onTimeout: () => unknown, signal?: AbortSignal): Promise<{ done: false; value: T } | { done: true }> {
    for (;;) {
      if (this.#items.length > 0) return { done: false, value: this.#items.shift() as T };
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
