import type { BreakerState, SharedBreakerState } from '@exai/core';
import type { BreakerOptions } from './options.js';
import type { FaultScope } from './scope.js';

/** One key's breaker: `glm` (a whole provider), `glm/glm-4.6` (one model of it), `glm/glm-4.6#2` (on its 2nd key). */
export interface Breaker {
  readonly key: string;
  /** `provider` for a provider key, `model` for a model key. */
  readonly scope: FaultScope;
  readonly provider: string;
  readonly model: string | undefined;
  /** 1-based provider key position of a per-key model breaker (`glm/glm-4.6#2` → 2). */
  readonly keyIndex: number | undefined;
  /** The options this breaker was created with (defaults, then `defaults`, then `perProvider`). */
  readonly options: Readonly<BreakerOptions>;
  /** The state callers see, shared state included. */
  readonly state: BreakerState;
  /**
   * Runs `fn` through the breaker. When the breaker is open, or half-open with its one probe in flight,
   * rejects with `CircuitOpenError` without calling `fn`. Errors from `fn` are passed through unchanged.
   */
  execute<T>(fn: () => Promise<T>): Promise<T>;
  /** Milliseconds until this breaker lets a call through again; 0 when it does now. */
  retryAfterMs(): number;
  snapshot(): BreakerSnapshot;
}

/** One breaker's state and its counts in the current rolling window. */
export interface BreakerSnapshot {
  key: string;
  scope: FaultScope;
  provider: string;
  model: string | undefined;
  /** 1-based provider key position, for per-key model breakers only. */
  keyIndex?: number;
  state: BreakerState;
  /** Calls that ran `fn` (finished or in flight). */
  calls: number;
  /** Calls that failed with a provider fault (timeouts included). */
  failures: number;
  /** Calls that succeeded, or failed with a client error (which says the provider is up). */
  successes: number;
  /** Calls refused with `CircuitOpenError`. */
  rejections: number;
  /** Calls that ran over the breaker's own `timeoutMs` (only when one is configured). */
  timeouts: number;
  /** Epoch ms when the breaker last opened; undefined while closed. */
  openedAt: number | undefined;
  /** Epoch ms when the breaker lets its next probe through; undefined while closed. */
  nextAttemptAt: number | undefined;
  /** Which instance's evidence opened it: this registry's `instanceId` or another instance's. */
  openedBy: string | undefined;
  /** Epoch ms until which a rate limit's `Retry-After` holds this key (scoped registries); undefined when none. */
  heldUntil: number | undefined;
}

export interface BreakerStateEvent {
  key: string;
  provider: string;
  model: string | undefined;
  from: BreakerState;
  to: BreakerState;
  /** Epoch ms. */
  at: number;
}

export type BreakerStateListener = (event: BreakerStateEvent) => void;

export interface BreakerErrorContext {
  operation: 'publish' | 'get' | 'listener' | 'probe';
  key: string;
}

export interface BreakerRegistryOptions {
  /** Options for every provider. */
  defaults?: Partial<BreakerOptions>;
  /** Options per provider id (the part of the key before `/`), over `defaults`. */
  perProvider?: Record<string, Partial<BreakerOptions>>;
  /**
   * Breakers where the fault is: a provider key (`glm`) counts only provider-wide faults (`network`,
   * `server`), a model key (`glm/glm-4.6`) only that model's (`rate_limited`, `overloaded`, `timeout`,
   * `stream_interrupted`, `not_found`), and a `rate_limited` with `retryAfterMs` holds the model for that
   * long instead of counting. Default false: every key counts every provider fault.
   */
  scoped?: boolean;
  /** State shared with other gateway instances (memory here, Redis in `@exai/store`). */
  shared?: SharedBreakerState;
  /** This instance's id in shared records. Default: a random UUID. */
  instanceId?: string;
  /** Read a key's shared record at most this often (ms) before allowing a call. Default 250. */
  sharedRefreshMs?: number;
  /** A call waits at most this long (ms) for that read, then goes on with what it knows. Default 100. */
  sharedReadTimeoutMs?: number;
  /**
   * With a shared state that can `claimProbe`: the half-open probe's claim expires after this long
   * (ms) if its instance never settles it (a crash), letting another instance probe. Default 30000.
   */
  probeLockMs?: number;
  /**
   * A probe waits at most this long (ms) for its claim; without an answer it probes on local evidence. Default 1000.
   */
  probeClaimTimeoutMs?: number;
  /** Failures of the shared state and of state listeners; they never fail a call. Default: ignored. */
  onError?: (error: unknown, context: BreakerErrorContext) => void;
}

export interface BreakerRegistry {
  /** The breaker for `key`, created on first use with its provider's options. */
  get(key: string): Breaker;
  /** Every breaker's state and rolling counts, for health pages and metrics. */
  snapshot(): BreakerSnapshot[];
  on(event: 'state', listener: BreakerStateListener): void;
  off(event: 'state', listener: BreakerStateListener): void;
  /** Stops every breaker's timers and the shared-state subscription. */
  close(): Promise<void>;
  readonly instanceId: string;
}
