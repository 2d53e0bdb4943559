/**
 * Test helpers: a gate a test opens by hand, a function that records whether it ran, and one that records how
 * many calls overlap.
 */

export interface Gate<T = void> {
  promise: Promise<T>;
  open: (value: T) => void;
}

export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A call that records whether it ran, and the controller that cancels it: for calls that must never start. */
export function runSpy() {
  const spy = {
    ran: false,
    controller: new AbortController(),
    fn: async (): Promise<void> => {
      spy.ran = true;
    },
  };
  return spy;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts calls running at once; each call waits `ms` (or until its signal aborts). */
export function overlapCounter() {
  let current = 0;
  const counter = {
    max: 0,
    get current() {
      return current;
    },
    task:
      (ms: number) =>
      async ({ signal }: { signal: AbortSignal }): Promise<void> => {
        current++;
        counter.max = Math.max(counter.max, current);
        try {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        } finally {
          current--;
        }
      },
  };
  return counter;
}
