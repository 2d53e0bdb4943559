/** A call waiting for a slot of a `Gate`. */
interface Waiter {
  readonly task: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  /** The waiter itself is the abort listener (`handleEvent`): no closure per waiting call. */
  handleEvent(): void;
}

/**
 * A concurrency limit as a counter and a FIFO: a task starts at once when a slot is free and nobody
 * waits (no promise layer, no event, no allocation beyond the task's own promise), else it waits in
 * arrival order. `signal` takes a waiting task out of the line (its promise rejects with the reason).
 * The subset of p-queue the limits used, without p-queue's events, timers and promise layers per task.
 */
export class Gate {
  readonly concurrency: number;
  #running = 0;
  #waiting: Array<Waiter | undefined> = [];
  #head = 0;

  constructor(concurrency: number) {
    this.concurrency = concurrency;
  }

  add(task: () => Promise<unknown>, options?: { signal?: AbortSignal | undefined }): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.concurrency && this.#head === this.#waiting.length) return this.#run(task);
    return new Promise((resolve, reject) => {
      const gate = this;
      const waiter: Waiter = {
        task,
        resolve,
        reject,
        signal,
        handleEvent() {
          gate.#remove(waiter);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #run(task: () => Promise<unknown>): Promise<unknown> {
    this.#running++;
    let promise: Promise<unknown>;
    try {
      promise = task();
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.finally(this.#release);
  }

  readonly #release = (): void => {
    this.#running--;
    while (this.#running < this.concurrency && this.#head < this.#waiting.length) {
      const waiter = this.#waiting[this.#head];
      this.#waiting[this.#head++] = undefined;
      if (waiter === undefined) continue;
      waiter.signal?.removeEventListener('abort', waiter);
      this.#run(waiter.task).then(waiter.resolve, waiter.reject);
    }
    this.#compact();
  };

  #remove(waiter: Waiter): void {
    const index = this.#waiting.indexOf(waiter, this.#head);
    if (index !== -1) this.#waiting[index] = undefined;
    while (this.#head < this.#waiting.length && this.#waiting[this.#head] === undefined) this.#head++;
    this.#compact();
  }

  /** Drops the slots of started or removed waiters once they are half the array (or all of it). */
  #compact(): void {
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}
