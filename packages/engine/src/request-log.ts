import type { Logger } from '@exai/core';
import type { NewAttempt, NewRequest, Store } from '@exai/store';
import type { EngineMeta } from './engine-types.js';

type Entry = { request: NewRequest; attempts: NewAttempt[] };

/**
 * The request log, written in batches off the request path: entries are buffered and flushed
 * in one transaction every `flushMs` or `batchSize` entries, and on close. A full buffer
 * (the store is down or slow) drops the oldest entries and says so in the log, rather than
 * growing without bound. Conversation turns are not written here: they are durable before
 * their answer is returned.
 */
export class RequestLog {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #flushMs: number;
  readonly #batchSize: number;
  readonly #maxPending: number;
  #buffer: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(
    store: Store,
    logger: Logger,
    options: { flushMs?: number; batchSize?: number; maxPending?: number } = {},
  ) {
    this.#store = store;
    this.#logger = logger;
    this.#flushMs = options.flushMs ?? 250;
    this.#batchSize = options.batchSize ?? 200;
    this.#maxPending = options.maxPending ?? 20_000;
  }

  /** Logs one finished call: the request and each of its attempts. */
  record(
    meta: EngineMeta,
    call: { route?: string; caller?: string; owner?: string; traceId?: string; status: number; startedAt: number },
  ): void {
    const attempts: NewAttempt[] = meta.attempts.map((attempt) => ({
      provider: attempt.provider,
      model: attempt.model,
      // `resumed`: a continuation that finished a broken stream (the attempt before it is an `error`).
      outcome: attempt.outcome !== 'ok' ? 'error' : attempt.resumedAt !== undefined ? 'resumed' : 'success',
      ...(attempt.outcome === 'ok' ? {} : { errorCode: attempt.outcome }),
      latencyMs: attempt.latencyMs,
      ...(attempt.usage ? { tokens: attempt.usage.total_tokens } : {}),
      startedAt: attempt.startedAt,
      ...(attempt.cost
        ? { cost: attempt.cost.amount, cachedTokens: attempt.cost.cachedTokens, costEstimated: attempt.cost.estimated }
        : {}),
    }));
    this.add(
      {
        id: meta.requestId,
        route: call.route ?? 'engine',
        ...(meta.model ? { model: meta.model } : {}),
        ...(meta.provider ? { provider: meta.provider } : {}),
        status: call.status,
        latencyMs: Date.now() - call.startedAt,
        ...(meta.usage ? { tokens: meta.usage.total_tokens } : {}),
        ...(call.caller ? { apiKeyId: call.caller } : {}),
        ...(call.owner ? { owner: call.owner } : {}),
        ...(call.traceId ? { traceId: call.traceId } : {}),
        ...(meta.cache ? { cache: meta.cache } : {}),
        ...(meta.cost ? { cost: meta.cost.amount, currency: meta.cost.currency } : {}),
      },
      attempts,
    );
  }

  add(request: NewRequest, attempts: NewAttempt[]): void {
    if (this.#buffer.length >= this.#maxPending) {
      this.#buffer.shift();
      this.#dropped++;
    }
    this.#buffer.push({ request, attempts });
    if (this.#buffer.length >= this.#batchSize) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs);
      this.#timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is stored (or failed and was logged). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#flushing = this.#flushing.then(async () => {
      if (dropped > 0) this.#logger.warn({ dropped }, 'request log buffer was full; oldest entries dropped');
      if (batch.length === 0) return;
      try {
        await this.#store.recordRequests(batch);
      } catch (error) {
        this.#logger.warn({ err: error, entries: batch.length }, 'could not write the request log');
      }
    });
    return this.#flushing;
  }
}
