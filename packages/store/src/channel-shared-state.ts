import {
  type SharedBreakerRecord,
  type SharedBreakerState,
  type SharedRateLimiter,
  type SharedSemaphore,
  StoreUnavailableError,
} from '@exai/core';
import type { SharedState } from './types.js';

/**
 * Shared state held by one process and used by others over a message channel: the workers of
 * `exai-http --workers N` share the primary's in-process breakers, rate limits and provider slots
 * without Redis. Transport-agnostic (node:cluster IPC in the app): the holder answers requests with
 * `serveSharedState`, a user builds its set with `createChannelSharedState`. Like Redis, the channel
 * fails open: an unanswered request (the holder gone or stuck) counts limits in this process alone.
 */

/** A request a user sends to the holder. `release` frees a probe claim or a slot by its token. */
export type SharedStateRequest =
  | { op: 'publish'; key: string; record: SharedBreakerRecord }
  | { op: 'get'; key: string }
  | { op: 'claimProbe'; key: string; ttlMs: number }
  | { op: 'take'; key: string; options: { capacity: number; refillPerSecond: number; cost?: number } }
  | { op: 'tryAcquire'; key: string; limit: number; ttlMs: number }
  | { op: 'release'; token: number };

/** A breaker record the holder pushes to every user after a `publish`. */
export interface SharedStateEvent {
  key: string;
  record: SharedBreakerRecord;
}

export interface SharedStateChannel {
  /** Sends one request; resolves with the holder's answer (JSON-serialisable). */
  request(request: SharedStateRequest): Promise<unknown>;
  /** Breaker records the holder pushes; returns an unsubscribe function. */
  onEvent(listener: (event: SharedStateEvent) => void): () => void;
}

export interface ChannelSharedStateOptions {
  /** How long a request may go unanswered before this process counts on its own. Default 2 s. */
  timeoutMs?: number;
  /** The process's own state for while the holder does not answer. */
  fallback: SharedState;
}

export interface SharedStateServer {
  /** Answers one request of the user `owner` (tokens it holds are freed by `forget(owner)`). */
  handle(owner: string, request: SharedStateRequest): Promise<unknown>;
  /** Frees every probe claim and slot `owner` still holds (a worker that exited). */
  forget(owner: string): Promise<void>;
}

/** The holder's side: answers requests from the state it holds (in-process for the workers' primary). */
export function serveSharedState(state: SharedState): SharedStateServer {
  let nextToken = 1;
  const releases = new Map<number, { owner: string; release: () => Promise<void> }>();
  const hold = (owner: string, release: (() => Promise<void>) | undefined): number | null => {
    if (release === undefined) return null;
    const token = nextToken++;
    releases.set(token, { owner, release });
    return token;
  };
  const free = async (token: number) => {
    const held = releases.get(token);
    releases.delete(token);
    await held?.release();
  };
  return {
    async handle(owner, request) {
      switch (request.op) {
        case 'publish':
          await state.breakers.publish(request.key, request.record);
          return null;
        case 'get':
          return (await state.breakers.get(request.key)) ?? null;
        case 'claimProbe':
          return hold(owner, await state.breakers.claimProbe?.(request.key, request.ttlMs));
        case 'take':
          return state.rateLimiter.take(request.key, request.options);
        case 'tryAcquire':
          return hold(owner, await state.semaphore.tryAcquire(request.key, request.limit, request.ttlMs));
        case 'release':
          await free(request.token);
          return null;
      }
    },
    async forget(owner) {
      for (const [token, held] of releases) if (held.owner === owner) await free(token);
    },
  };
}

/** The user's side: a `SharedState` whose every call is a request to the holder. */
export function createChannelSharedState(channel: SharedStateChannel, options: ChannelSharedStateOptions): SharedState {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const { fallback } = options;
  const ask = async <T>(request: SharedStateRequest): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError({ message: 'the shared state holder did not answer' })),
        timeoutMs,
      );
      timer.unref();
    });
    try {
      return (await Promise.race([channel.request(request), expired])) as T;
    } finally {
      clearTimeout(timer);
    }
  };
  // A release the holder does not answer is dropped: the holder's slot or claim expires after its TTL.
  const releaser = (token: number | null) =>
    token === null
      ? undefined
      : () =>
          ask<null>({ op: 'release', token }).then(
            () => undefined,
            (error: unknown) => {
              if (!StoreUnavailableError.isInstance(error)) throw error;
            },
          );
  /** Fail-open: the request, or this process's own answer while the holder does not give one. */
  const orLocal = async <T>(request: () => Promise<T>, local: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      if (!StoreUnavailableError.isInstance(error)) throw error;
      return local();
    }
  };
  const breakers: SharedBreakerState = {
    publish: (key, record) =>
      orLocal(
        () => ask<null>({ op: 'publish', key, record }).then(() => undefined),
        () => fallback.breakers.publish(key, record),
      ),
    get: (key) =>
      orLocal(
        () => ask<SharedBreakerRecord | null>({ op: 'get', key }).then((record) => record ?? undefined),
        () => fallback.breakers.get(key),
      ),
    subscribe: (listener) => channel.onEvent((event) => listener(event.key, event.record)),
    claimProbe: (key, ttlMs) =>
      orLocal(
        () => ask<number | null>({ op: 'claimProbe', key, ttlMs }).then(releaser),
        async () => fallback.breakers.claimProbe?.(key, ttlMs),
      ),
  };
  const rateLimiter: SharedRateLimiter = {
    take: (key, limitOptions) =>
      orLocal(
        () => ask({ op: 'take', key, options: limitOptions }),
        () => fallback.rateLimiter.take(key, limitOptions),
      ),
  };
  const semaphore: SharedSemaphore = {
    tryAcquire: (key, limit, ttlMs) =>
      orLocal(
        () => ask<number | null>({ op: 'tryAcquire', key, limit, ttlMs }).then(releaser),
        () => fallback.semaphore.tryAcquire(key, limit, ttlMs),
      ),
  };
  return { kind: 'primary', breakers, rateLimiter, semaphore, close: () => fallback.close() };
}
