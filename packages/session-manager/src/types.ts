import type { ErrorCode, GatewayError } from '@exai/core';

/** Where a session is in its life. `queued` and `running` are live; the rest are final. */
export type SessionStatus = 'queued' | 'running' | 'completed' | 'failed' | 'timed_out' | 'cancelled';

/** One managed execution. Times are epoch milliseconds (`Date.now()`). */
export interface SessionRecord {
  requestId: string;
  status: SessionStatus;
  provider: string | undefined;
  model: string | undefined;
  conversationId: string | undefined;
  /** When `run` was called (the timeout clock starts here). */
  queuedAt: number;
  /** When `fn` was called; undefined if it never started. */
  startedAt: number | undefined;
  /** When the session settled; undefined while live. */
  endedAt: number | undefined;
  /** The error code of a session that did not complete. */
  error?: ErrorCode;
}

/** Per-provider limit: one number for all, or a map with an optional `default` entry. */
export type ProviderLimits = number | Readonly<Record<string, number>>;

export interface SessionManagerOptions {
  /** Calls running at once across all providers. Default 256. */
  global?: number;
  /** Calls running at once per provider. Default 16; `{ default: 16, openai: 8 }` sets some apart. */
  perProvider?: ProviderLimits;
  /** Calls running at once per conversation. Default 1 (strict arrival order). */
  perConversation?: number;
  /** Calls allowed to wait (not yet running) in total; past it `run` fails at once with `queue_full`. Default 1000. */
  maxQueue?: number;
  /** Timeout of a call, counted from `run` (queue wait included). Default 120000. */
  defaultTimeoutMs?: number;
  /** Finished sessions kept for `get`/`list`. Default 1000. */
  historySize?: number;
  /** Settled sessions kept for the latency percentiles. Default 1024. */
  latencyWindow?: number;
}

export interface RunOptions {
  /** Identifies the session; a `crypto.randomUUID()` when absent. Must not match a live session. */
  requestId?: string;
  provider?: string;
  model?: string;
  conversationId?: string;
  /** Overrides `defaultTimeoutMs` for this call; counts queue wait and running time. */
  timeoutMs?: number;
  /** The caller's signal: aborting it cancels the call, queued or running. */
  signal?: AbortSignal;
}

export interface SessionRunContext {
  /** Aborted on timeout (reason: a `TimeoutError`) or cancellation (reason: a `CancelledError`). */
  signal: AbortSignal;
  /** The live record of this session. */
  session: Readonly<SessionRecord>;
}

export type SessionFunction<T> = (context: SessionRunContext) => Promise<T>;

export type SettledResult<T> =
  | { ok: true; value: T; session: SessionRecord }
  | { ok: false; error: GatewayError; session: SessionRecord };

export interface SessionListOptions {
  status?: SessionStatus;
  /** At most this many records, newest first. Default: all kept. */
  limit?: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  /** How many samples the percentiles were computed over. */
  count: number;
}

export interface LoadCounts {
  inFlight: number;
  queued: number;
}

export interface SessionMetrics extends LoadCounts {
  perProvider: Record<string, LoadCounts>;
  /** Sessions settled since creation, by final status. */
  totals: Record<'completed' | 'failed' | 'timed_out' | 'cancelled', number>;
  /** Calls turned away at once (`queue_full` or draining), also counted in `totals.failed`. */
  rejected: number;
  /** Functions still running after their session settled (they ignored the abort signal); they keep their slots. */
  abandoned: number;
  /** Conversations with a live session (each has one queue). */
  conversations: number;
  /** From `run` to settle, over the most recent settled sessions (rejections excluded). */
  latencyMs: Percentiles;
  /** From `run` to start, over the same window (sessions that started). */
  queueWaitMs: Percentiles;
  draining: boolean;
}

export type SessionListener = (record: SessionRecord) => void;

export interface SessionManager {
  run<T>(fn: SessionFunction<T>, options?: RunOptions): Promise<T>;
  runSettled<T>(fn: SessionFunction<T>, options?: RunOptions): Promise<SettledResult<T>>;
  get(requestId: string): SessionRecord | undefined;
  list(options?: SessionListOptions): SessionRecord[];
  /** Called with a copy of the record on every status change. Returns a function that unsubscribes. */
  on(event: 'session', listener: SessionListener): () => void;
  off(event: 'session', listener: SessionListener): void;
  metrics(): SessionMetrics;
  /** Stops accepting calls; resolves true once every session has settled, false if `timeoutMs` passes first. */
  drain(timeoutMs: number): Promise<boolean>;
}
