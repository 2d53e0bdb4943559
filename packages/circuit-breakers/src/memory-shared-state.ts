import type { SharedBreakerRecord, SharedBreakerState } from '@exai/core';

/**
 * An in-process `SharedBreakerState`: several registries in one process (tests, or several
 * gateways embedded in one process) share it. Updates reach subscribers on a later microtask,
 * as they would from a real pub/sub.
 */
export function createMemorySharedBreakerState(): SharedBreakerState {
  const records = new Map<string, SharedBreakerRecord>();
  const listeners = new Set<(key: string, record: SharedBreakerRecord) => void>();
  return {
    async publish(key, record) {
      const stored = { ...record };
      records.set(key, stored);
      queueMicrotask(() => {
        for (const listener of listeners) {
          try {
            listener(key, { ...stored });
          } catch {
            // One subscriber's failure must not keep the update from the others.
          }
        }
      });
    },
    async get(key) {
      const record = records.get(key);
      return record === undefined ? undefined : { ...record };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
      records.clear();
    },
  };
}
