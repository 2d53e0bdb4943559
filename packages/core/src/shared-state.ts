/**
 * Seams for state that several gateway instances share. The in-process breaker state lives here
 * (`createMemorySharedBreakerState`, re-exported by circuit-breakers and store); the in-process rate
 * limiter and semaphore and every Redis implementation live in `@exai/store` (`memory-shared-state.ts`,
 * `shared-state.ts`).
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface SharedBreakerRecord {
  state: BreakerState;
  /** Epoch ms until which an open breaker stays open (on the shared state's clock: Redis TIME for Redis). */
  until?: number;
  /** Which instance published this record. */
  instance: string;
  updatedAt: number;
}

export interface SharedBreakerState {
  publish(key: string, record: SharedBreakerRecord): Promise<void>;
  get(key: string): Promise<SharedBreakerRecord | undefined>;
  /** Push updates from other instances; returns an unsubscribe function. */
  subscribe(listener: (key: string, record: SharedBreakerRecord) => void): () => void;
  /**
   * Takes the fleet's one half-open probe for `key`: a release function when this caller may send it,
   * undefined while the key's open record still holds (measured on the shared state's clock) or another
   * caller's probe runs. An unreleased claim (a crashed prober) expires after `ttlMs`. Without this
   * method every instance probes on its own.
   */
  claimProbe?(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  close?(): Promise<void>;
}

export interface RateLimitDecision {
  allowed: boolean;
  remaining: number;
  /** When not allowed: how long until one token is available. */
  retryAfterMs: number;
}

export interface SharedRateLimiter {
  /** Token bucket: `capacity` tokens, refilled at `refillPerSecond`. */
  take(key: string, options: { capacity: number; refillPerSecond: number; cost?: number }): Promise<RateLimitDecision>;
  close?(): Promise<void>;
}

export interface SharedSemaphore {
  /**
   * Tries to take one of `limit` slots for `key`; returns a release function, or undefined when full. Slots expire
   * after `ttlMs`.
   */
  tryAcquire(key: string, limit: number, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  close?(): Promise<void>;
}

/**
 * An in-process `SharedBreakerState`: several registries in one process (tests, or several
 * gateways embedded in one process) share it. Updates reach subscribers on a later microtask,
 * as they would from a real pub/sub.
 */
export function createMemorySharedBreakerState(): SharedBreakerState {
  const records = new Map<string, SharedBreakerRecord>();
  const probes = new Map<string, { token: symbol; expiresAt: number }>();
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
    async claimProbe(key, ttlMs) {
      const now = Date.now();
      const record = records.get(key);
      if (record?.state === 'open' && record.until !== undefined && record.until > now) return undefined;
      const held = probes.get(key);
      if (held !== undefined && held.expiresAt > now) return undefined;
      const token = Symbol(key);
      probes.set(key, { token, expiresAt: now + ttlMs });
      return async () => {
        if (probes.get(key)?.token === token) probes.delete(key);
      };
    },
    async close() {
      listeners.clear();
      records.clear();
      probes.clear();
    },
  };
}
