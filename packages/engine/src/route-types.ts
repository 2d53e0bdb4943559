import type { ChatResponse, Cost, ErrorCode, ResumePoint, Usage } from '@exai/core';
import type { Target } from './resolve.js';

/* The types of the routing layer: the executor the router runs attempts through, route options and state. */

/**
 * Runs one attempt as a managed session (limits, timeout, cancellation) through the target's breaker,
 * with a provider key that is not held out (`call.keyIndex`, for the adapter's `CallOptions`).
 */
export interface Executor {
  run<T>(
    target: Target,
    fn: (signal: AbortSignal, call: AttemptCall) => Promise<T>,
    options: ExecuteOptions,
  ): Promise<T>;
}

/** What the executor chose for one call to the adapter. */
export interface AttemptCall {
  keyIndex: number;
}

export interface ExecuteOptions {
  requestId: string;
  timeoutMs: number;
  signal: AbortSignal;
  conversationId?: string;
}

/** One attempt at one target, as recorded for accounting and returned to the caller. */
export interface RouteAttempt {
  provider: string;
  model: string;
  outcome: 'ok' | ErrorCode;
  latencyMs: number;
  startedAt: number;
  usage?: Usage;
  /** What the attempt cost: from `usage`, or estimated (`cost.estimated`) when the provider reported none. */
  cost?: Cost;
  /** Started by hedging rather than after a failure. */
  hedged?: boolean;
  /** A continuation of a broken stream: the content character its text starts at. */
  resumedAt?: number;
  message?: string;
}

export interface RouteTimeouts {
  /** The whole request, every attempt and wait included. */
  requestMs: number;
  /** One non-streaming attempt. */
  attemptMs: number;
  /** A streaming attempt's first content, for every target (else `RouteOptions.firstTokenMsOf`). */
  firstTokenMs?: number;
  /** The longest silence between chunks once a stream has started. */
  idleMs: number;
}

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

export interface RouteOptions {
  requestId: string;
  signal?: AbortSignal;
  conversationId?: string;
  timeouts: RouteTimeouts;
  retry: RetrySettings;
  /** Attempts across all targets for one request. */
  maxAttemptsPerRequest: number;
  /** Start the next target when the current one has produced nothing for this long (off when undefined). */
  hedgeMs?: number;
  /** Chunks held before the first content; past it the stream is committed anyway. */
  streamBufferLimit?: number;
  /** A same-target wait longer than this goes to the next target instead, when there is one. */
  failoverAfterMs?: number;
  /** The first-token limit of a stream on this target (the route's, the model's or its tier's). */
  firstTokenMsOf?: (target: Target) => number;
  /** Continue a text stream that broke after it started on the next target (default true). */
  resume?: boolean;
}

export interface RouteState {
  attempts: RouteAttempt[];
  provider?: string;
  model?: string;
  usage?: Usage;
  response?: ChatResponse;
  /** Where a broken stream was continued, and by whom. */
  resumed?: ResumePoint[];
}
