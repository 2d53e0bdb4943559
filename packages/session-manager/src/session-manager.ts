import { randomUUID } from 'node:crypto';
import {
  BadRequestError,
  CancelledError,
  type GatewayError,
  QueueFullError,
  TimeoutError,
  toGatewayError,
} from '@exai/core';
import { SessionHistory } from './history.js';
import { LatencyWindow } from './latency-window.js';
import { Limits } from './limits.js';
import { checkTimeout, type ResolvedOptions, resolveOptions } from './options.js';
import { Session, settledStatus } from './session.js';
import type {
  LoadCounts,
  RunOptions,
  SessionFunction,
  SessionListener,
  SessionListOptions,
  SessionManager,
  SessionManagerOptions,
  SessionMetrics,
  SessionRecord,
  SettledResult,
} from './types.js';

/**
 * Creates a session manager: one managed execution per request, under the global, per-provider
 * and per-conversation limits (see limits.ts), with a timeout that counts queue wait.
 */
export function createSessionManager(options: SessionManagerOptions = {}): SessionManager {
  return new Manager(resolveOptions(options));
}

type Outcome = 'completed' | 'failed' | 'timed_out' | 'cancelled';

class Manager implements SessionManager {
  readonly #options: ResolvedOptions;
  readonly #limits: Limits;
  readonly #live = new Map<string, Session>();
  readonly #history: SessionHistory;
  readonly #latency: LatencyWindow;
  readonly #queueWait: LatencyWindow;
  readonly #listeners = new Set<SessionListener>();
  readonly #totals: Record<Outcome, number> = { completed: 0, failed: 0, timed_out: 0, cancelled: 0 };
  #queued = 0;
  #inFlight = 0;
  #abandoned = 0;
  #rejected = 0;
  #draining = false;
  readonly #drainWaiters = new Set<() => void>();

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#limits = new Limits(options);
    this.#history = new SessionHistory(options.historySize);
    this.#latency = new LatencyWindow(options.latencyWindow);
    this.#queueWait = new LatencyWindow(options.latencyWindow);
  }

  async run<T>(fn: SessionFunction<T>, options: RunOptions = {}): Promise<T> {
    const result = await this.runSettled(fn, options);
    if (result.ok) return result.value;
    throw result.error;
  }

  runSettled<T>(fn: SessionFunction<T>, options: RunOptions = {}): Promise<SettledResult<T>> {
    return new Promise((resolve) => this.#submit(fn, options, resolve));
  }

  #submit<T>(fn: SessionFunction<T>, options: RunOptions, resolve: (result: SettledResult<T>) => void): void {
    const { provider, model, conversationId, signal } = options;
    const record: SessionRecord = {
      requestId: options.requestId ?? randomUUID(),
      status: 'queued',
      provider,
      model,
      conversationId,
      queuedAt: Date.now(),
      startedAt: undefined,
      endedAt: undefined,
    };
    if (this.#live.has(record.requestId)) {
      const error = new BadRequestError({
        provider,
        model,
        param: 'requestId',
        message: `A session with requestId ${record.requestId} is already running`,
      });
      resolve({
        ok: false,
        error,
        session: { ...record, status: 'failed', endedAt: record.queuedAt, error: error.code },
      });
      return;
    }
    const session = new Session(
      record,
      fn,
      resolve as (result: SettledResult<unknown>) => void,
      signal,
      this.#onCallerAbort,
    );
    this.#history.delete(record.requestId);
    this.#live.set(record.requestId, session);
    let timeoutMs: number;
    try {
      timeoutMs = checkTimeout(options.timeoutMs ?? this.#options.defaultTimeoutMs);
    } catch (error) {
      this.#settle(
        session,
        new BadRequestError({ provider, model, param: 'timeoutMs', message: (error as Error).message }),
        undefined,
      );
      return;
    }
    if (this.#draining) {
      this.#reject(session, 'The session manager is draining and accepts no new calls');
      return;
    }
    if (signal?.aborted) {
      this.#settle(session, cancelled(session, signal), undefined);
      return;
    }

    this.#limits.attach(session);
    const startsNow = this.#limits.canStartNow(session);
    if (!startsNow && this.#queued >= this.#options.maxQueue) {
      this.#limits.leave(session);
      this.#reject(session, `Queue full: ${this.#queued} calls already waiting (maxQueue ${this.#options.maxQueue})`);
      return;
    }

    session.accepted = true;
    session.timer = setTimeout(this.#onTimeout, timeoutMs, session, timeoutMs);
    signal?.addEventListener('abort', session, { once: true });
    // A call that starts now never waits, so it needs no queue signal (and a gate then adds no abort races).
    if (!startsNow) session.queueController = new AbortController();
    const queueSignal = session.queueController?.signal;
    this.#limits.enqueue(session, startsNow, queueSignal, this.#start).catch((error: unknown) => {
      // Only our own aborts reject the chain, and those settle first; anything else is settled here.
      this.#limits.leave(session);
      this.#settle(session, toGatewayError(error, { provider, model }), undefined);
    });
    if (!startsNow && record.status === 'queued' && !session.settled) {
      session.waiting = true;
      this.#queued++;
      if (session.providerEntry !== undefined) session.providerEntry.queued++;
      this.#emit(record);
    }
  }

  /** Runs `fn` once all three slots are held; the returned promise (which holds them) ends when `fn` does. */
  readonly #start = (session: Session): Promise<void> => {
    if (session.settled) return Promise.resolve();
    const record = session.record;
    record.status = 'running';
    record.startedAt = Date.now();
    if (session.waiting) {
      session.waiting = false;
      this.#queued--;
      if (session.providerEntry !== undefined) session.providerEntry.queued--;
    }
    this.#inFlight++;
    if (session.providerEntry !== undefined) session.providerEntry.inFlight++;
    const controller = new AbortController();
    session.runController = controller;
    this.#emit(record);
    let promise: Promise<unknown>;
    try {
      promise = Promise.resolve(session.fn({ signal: controller.signal, session: record }));
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.then(
      (value) => this.#finish(session, undefined, value),
      (error: unknown) =>
        this.#finish(session, toGatewayError(error, { provider: record.provider, model: record.model }), undefined),
    );
  };

  /** `fn` has ended: free the in-flight count it held and, unless it was already settled, settle it. */
  #finish(session: Session, error: GatewayError | undefined, value: unknown): void {
    this.#limits.leave(session);
    if (session.settled) {
      if (session.abandoned) this.#abandoned--;
      return;
    }
    this.#settle(session, error, value);
  }

  readonly #onTimeout = (session: Session, timeoutMs: number): void => {
    session.timer = undefined;
    const { provider, model } = session.record;
    this.#interrupt(
      session,
      new TimeoutError({ provider, model, message: `The call timed out after ${timeoutMs} ms (queue wait included)` }),
    );
  };

  readonly #onCallerAbort = (session: Session): void => {
    this.#interrupt(session, cancelled(session, session.callerSignal!));
  };

  /** Timeout or cancellation: settle now, then take the call out of its queue or abort `fn`. */
  #interrupt(session: Session, error: GatewayError): void {
    if (session.settled) return;
    const wasRunning = session.record.status === 'running';
    this.#settle(session, error, undefined);
    if (wasRunning) {
      session.abandoned = true;
      this.#abandoned++;
      session.runController?.abort(error);
    } else {
      this.#limits.leave(session);
      session.queueController?.abort(error);
    }
  }

  #reject(session: Session, message: string): void {
    const { provider, model } = session.record;
    this.#settle(session, new QueueFullError({ provider, model, message }), undefined);
  }

  #settle(session: Session, error: GatewayError | undefined, value: unknown): void {
    if (session.settled) return;
    session.settled = true;
    if (session.timer !== undefined) clearTimeout(session.timer);
    session.callerSignal?.removeEventListener('abort', session);
    const record = session.record;
    if (session.waiting) {
      session.waiting = false;
      this.#queued--;
      if (session.providerEntry !== undefined) session.providerEntry.queued--;
    }
    if (record.status === 'running') {
      this.#inFlight--;
      if (session.providerEntry !== undefined) session.providerEntry.inFlight--;
    }
    record.endedAt = Date.now();
    if (error === undefined) {
      record.status = 'completed';
    } else {
      record.status = settledStatus(error);
      record.error = error.code;
    }
    this.#totals[record.status as Outcome]++;
    if (session.accepted) {
      this.#latency.add(record.endedAt - record.queuedAt);
      if (record.startedAt !== undefined) this.#queueWait.add(record.startedAt - record.queuedAt);
    } else {
      this.#rejected++;
    }
    this.#live.delete(record.requestId);
    this.#history.add(record);
    this.#emit(record);
    const snapshot = { ...record };
    session.resolve(
      error === undefined ? { ok: true, value, session: snapshot } : { ok: false, error, session: snapshot },
    );
    if (this.#live.size === 0 && this.#drainWaiters.size > 0) for (const wake of this.#drainWaiters) wake();
  }

  #emit(record: SessionRecord): void {
    if (this.#listeners.size === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener({ ...record });
      } catch (error) {
        // A listener's bug must not corrupt the manager's state: rethrow it outside.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  get(requestId: string): SessionRecord | undefined {
    const record = this.#live.get(requestId)?.record ?? this.#history.get(requestId);
    return record === undefined ? undefined : { ...record };
  }

  list(options: SessionListOptions = {}): SessionRecord[] {
    const { status, limit = Number.POSITIVE_INFINITY } = options;
    const records: SessionRecord[] = [];
    for (const session of this.#live.values()) records.push(session.record);
    for (const record of this.#history.values()) records.push(record);
    const matching = status === undefined ? records : records.filter((record) => record.status === status);
    matching.sort((a, b) => b.queuedAt - a.queuedAt);
    return matching.slice(0, limit).map((record) => ({ ...record }));
  }

  on(_event: 'session', listener: SessionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  off(_event: 'session', listener: SessionListener): void {
    this.#listeners.delete(listener);
  }

  metrics(): SessionMetrics {
    const perProvider: Record<string, LoadCounts> = {};
    for (const [provider, entry] of this.#limits.providers.entries())
      perProvider[provider] = { inFlight: entry.inFlight, queued: entry.queued };
    return {
      inFlight: this.#inFlight,
      queued: this.#queued,
      perProvider,
      totals: { ...this.#totals },
      rejected: this.#rejected,
      abandoned: this.#abandoned,
      conversations: this.#limits.conversations.size,
      latencyMs: this.#latency.percentiles(),
      queueWaitMs: this.#queueWait.percentiles(),
      draining: this.#draining,
    };
  }

  drain(timeoutMs: number): Promise<boolean> {
    this.#draining = true;
    if (this.#live.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.#drainWaiters.delete(wake);
        resolve(drained);
      };
      const wake = () => done(true);
      const timer = setTimeout(done, timeoutMs, false);
      this.#drainWaiters.add(wake);
    });
  }
}

function cancelled(session: Session, signal: AbortSignal): GatewayError {
  const { provider, model } = session.record;
  return new CancelledError({ provider, model, cause: signal.reason, message: 'The call was cancelled by the caller' });
}
