import { retry } from '@exai/circuit-breakers';
import {
  CancelledError,
  type ChatRequest,
  type ChatResponse,
  type ErrorCode,
  type GatewayError,
  isCredentialFailure,
  TimeoutError,
  toGatewayError,
} from '@exai/core';
import { hedge } from './hedge.js';
import type { Target } from './resolve.js';
import type { PrefillMemory } from './resume.js';
import type { RetryBudget } from './retry-budget.js';
import type { Executor, RouteAttempt, RouteOptions, RouteState } from './route-types.js';

export interface RouterDeps {
  executor: Executor;
  budget: RetryBudget;
  /** Random source in [0, 1) for the backoff jitter (tests). Default Math.random. */
  random?: () => number;
  now?: () => number;
  /** Which targets refused a prefill (a continuation asks them in words). */
  prefill?: PrefillMemory;
}

/** Failures that go to the next target at once when there is one: waiting on the same target would not help. */
const FAIL_OVER_AT_ONCE: ReadonlySet<ErrorCode> = new Set(['circuit_open', 'queue_full', 'timeout']);

/**
 * The outer loop shared by chat and streams: walks the fallback chain, retries a target (with
 * `retry()` of @exai/circuit-breakers, the one retry policy) while its failure is retryable and the
 * retry budget allows, fails over on retryable failures and open breakers, never on client errors;
 * credential failures fail over at once and context-length failures skip to a larger model.
 */
export async function walkChain<T>(
  chain: readonly Target[],
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState,
  attempt: (target: Target, signal: AbortSignal, remainingMs: number) => Promise<T>,
  /**
   * The request's deadline, for a call that outlives `walkChain` (a stream still read): its owner disposes it when
   * the call ends. Without it the deadline is the call's own and ends when `walkChain` returns (chat).
   */
  requestSignal?: AbortSignal,
): Promise<T> {
  if (requestSignal) return walk(chain, deps, options, state, attempt, requestSignal);
  const link = new RequestDeadline(options.signal, options.timeouts.requestMs);
  try {
    return await walk(chain, deps, options, state, attempt, link.signal);
  } finally {
    link.dispose();
  }
}

async function walk<T>(
  chain: readonly Target[],
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState,
  attempt: (target: Target, signal: AbortSignal, remainingMs: number) => Promise<T>,
  requestSignal: AbortSignal,
): Promise<T> {
  const now = deps.now ?? Date.now;
  const deadline = now() + options.timeouts.requestMs;
  let lastError: GatewayError | undefined;
  let contextFloor = 0;
  // After a context-length failure: only a model with a larger (or unknown) window, never one that already refused.
  const tooLong = new Set<string>();
  const mayFit = (target: Target) =>
    contextFloor === 0 ||
    (!tooLong.has(target.model) && (target.info.inferred === true || target.info.contextWindow > contextFloor));
  for (let index = 0; index < chain.length; index++) {
    const target = chain[index]!;
    if (!mayFit(target)) continue;
    const hasNext = chain.slice(index + 1).some(mayFit);
    if (state.attempts.length >= options.maxAttemptsPerRequest) throw lastError ?? budgetError(options);
    deps.budget.request(target.provider);
    // Whether a failure is worth a wait on this target, or goes to the next one now.
    const shouldRetry = ({ error, delayMs }: { error: GatewayError; delayMs: number }): boolean => {
      if (isCredentialFailure(error) || error.code === 'context_length') return false;
      if (hasNext && (FAIL_OVER_AT_ONCE.has(error.code) || delayMs > (options.failoverAfterMs ?? 5_000))) return false;
      if (state.attempts.length >= options.maxAttemptsPerRequest) return false;
      return deps.budget.tryRetry(target.provider);
    };
    try {
      return await retry(
        async (_try, signal) => {
          const startedAt = now();
          try {
            return await attempt(target, signal, deadline - startedAt);
          } catch (error) {
            record(
              state,
              target,
              toGatewayError(error, { provider: target.provider, model: target.model }),
              startedAt,
              now(),
            );
            throw error;
          }
        },
        {
          maxAttempts: options.retry.maxAttempts,
          baseDelayMs: options.retry.baseDelayMs,
          maxDelayMs: options.retry.maxDelayMs,
          maxRetryAfterMs: options.retry.maxRetryAfterMs,
          budgetMs: Math.max(0, deadline - now()),
          signal: requestSignal,
          shouldRetry,
          ...(deps.random ? { random: deps.random } : {}),
        },
      );
    } catch (error) {
      const failure = toGatewayError(error, { provider: target.provider, model: target.model });
      if (options.signal?.aborted)
        throw new CancelledError({
          provider: target.provider,
          model: target.model,
          message: 'The caller cancelled the request',
        });
      if (requestSignal.aborted) {
        throw new TimeoutError({
          provider: target.provider,
          model: target.model,
          message: `The request did not finish within ${options.timeouts.requestMs} ms`,
        });
      }
      // A context-length failure skips to a larger model. A refused key or account goes to another
      // provider (the executor already tried the provider's other keys). Other client errors end here.
      if (failure.code === 'context_length') {
        contextFloor = Math.max(contextFloor, target.info.contextWindow);
        tooLong.add(target.model);
      } else if (!isCredentialFailure(failure) && !failure.isRetryable) throw failure;
      lastError = failure;
    }
  }
  throw lastError ?? budgetError(options);
}

export function record(
  state: RouteState,
  target: Target,
  failure: GatewayError | undefined,
  startedAt: number,
  endedAt: number,
  extra: Partial<RouteAttempt> = {},
): void {
  state.attempts.push({
    provider: target.provider,
    model: target.model,
    outcome: failure ? failure.code : 'ok',
    latencyMs: endedAt - startedAt,
    startedAt,
    ...(failure ? { message: failure.message } : {}),
    ...extra,
  });
}

/** When an attempt of `walkCall` started, and the clock to read its end from. */
export interface AttemptClock {
  startedAt: number;
  now: () => number;
}

/** `walkChain` for a call that is over when it returns (chat, embeddings): each attempt also gets its clock. */
export function walkCall<T>(
  chain: readonly Target[],
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState,
  attempt: (target: Target, signal: AbortSignal, remainingMs: number, clock: AttemptClock) => Promise<T>,
): Promise<T> {
  const now = deps.now ?? Date.now;
  return walkChain(chain, deps, options, state, (target, signal, remainingMs) =>
    attempt(target, signal, remainingMs, { startedAt: now(), now }),
  );
}

/**
 * One attempt at `target` through the executor (session, breaker, key), under the attempt timeout capped by
 * what the request has left; `call` gets the attempt's signal and key for the adapter.
 */
export function attemptOn<T>(
  deps: RouterDeps,
  options: RouteOptions,
  target: Target,
  signal: AbortSignal,
  remainingMs: number,
  call: (callOptions: { signal: AbortSignal; keyIndex: number }) => Promise<T>,
): Promise<T> {
  return deps.executor.run(
    target,
    (attemptSignal, attempt) => call({ signal: attemptSignal, keyIndex: attempt.keyIndex }),
    {
      requestId: options.requestId,
      timeoutMs: Math.max(1, Math.min(options.timeouts.attemptMs, remainingMs)),
      signal,
      ...(options.conversationId ? { conversationId: options.conversationId } : {}),
    },
  );
}

/** A non-streaming request over the chain; hedges when `hedgeMs` is set. */
export async function routeChat(
  chain: readonly Target[],
  request: ChatRequest,
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState = { attempts: [] },
): Promise<ChatResponse> {
  return walkCall(chain, deps, options, state, async (target, signal, remainingMs, clock) => {
    const run = (runTarget: Target, runSignal: AbortSignal) =>
      attemptOn(deps, options, runTarget, runSignal, remainingMs, (call) =>
        runTarget.adapter.chat({ ...request, model: runTarget.model }, call),
      );
    const backup = options.hedgeMs !== undefined ? chain[chain.indexOf(target) + 1] : undefined;
    const { value: response, winner } = backup
      ? await hedge((leg, legSignal) => run(leg === 'primary' ? target : backup, legSignal), {
          delayMs: options.hedgeMs!,
          signal,
        })
      : { value: await run(target, signal), winner: 'primary' as const };
    const answered = backup && winner === 'backup' ? backup : target;
    record(state, answered, undefined, clock.startedAt, clock.now(), {
      ...(response.usage ? { usage: response.usage } : {}),
      ...(answered === backup ? { hedged: true } : {}),
    });
    state.provider = response.provider;
    state.model = response.model;
    if (response.usage) state.usage = response.usage;
    state.response = response;
    return response;
  });
}

/**
 * One signal for a call that several others end: the callers' signals (the request's cancellation, a session's)
 * and, with `timeoutMs`, a deadline. One controller, at most one timer, and one listener per caller (the object
 * itself), all let go by `dispose`. Node 20's `AbortSignal.timeout` and `AbortSignal.any` cost more per call and
 * hold their signals through WeakRefs (and a 120 s timer), which V8's scavenges treat as strong: what a signal
 * references was promoted to the old generation for every stream. Aborts with the same reasons as those.
 */
export class RequestDeadline {
  readonly #controller = new AbortController();
  readonly #callers: readonly AbortSignal[];
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(callers: AbortSignal | readonly AbortSignal[] | undefined, timeoutMs?: number) {
    this.#callers = callers === undefined ? [] : Array.isArray(callers) ? callers : [callers as AbortSignal];
    if (timeoutMs !== undefined) {
      this.#timer = setTimeout(expire, timeoutMs, this.#controller);
      this.#timer.unref();
    }
    for (const caller of this.#callers) {
      if (caller.aborted) {
        this.#controller.abort(caller.reason);
        break;
      }
      caller.addEventListener('abort', this, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Ends the call from its owner's side (its callers are not told). */
  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /** A caller's signal fired. */
  handleEvent(event: Event): void {
    this.#controller.abort((event.target as AbortSignal).reason);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    for (const caller of this.#callers) caller.removeEventListener('abort', this);
  }
}

const expire = (controller: AbortController): void =>
  controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));

function budgetError(options: RouteOptions): GatewayError {
  return new TimeoutError({
    message:
      `No attempt could be made within the request's limits (${options.maxAttemptsPerRequest} attempts, ` +
      `${options.timeouts.requestMs} ms)`,
  });
}
