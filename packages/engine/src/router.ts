import {
  CancelledError,
  type ChatRequest,
  type ChatResponse,
  type GatewayError,
  isCredentialFailure,
  TimeoutError,
  toGatewayError,
} from '@exai/core';
import type { AttemptRecord, Executor, RouteOptions, RouteState } from './executor.js';
import type { Target } from './resolve.js';
import type { RetryBudget } from './retry-budget.js';

/** Computes the wait before a same-target retry (the retry policy of @exai/circuit-breakers). */
export type Backoff = (attempt: number, error: GatewayError) => number;

export interface RouterDeps {
  executor: Executor;
  budget: RetryBudget;
  backoff: Backoff;
  now?: () => number;
}

/**
 * The outer loop shared by chat and streams: walks the fallback chain, retries a target while
 * its failure is retryable and the retry budget allows, fails over on retryable failures and
 * open breakers, never on client errors; context-length failures skip to a larger model.
 */
export async function walkChain<T>(
  chain: readonly Target[],
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState,
  attempt: (target: Target, signal: AbortSignal, remainingMs: number) => Promise<T>,
): Promise<T> {
  const now = deps.now ?? Date.now;
  const deadline = now() + options.timeouts.requestMs;
  const requestSignal = linkDeadline(options.signal, options.timeouts.requestMs);
  let lastError: GatewayError | undefined;
  let contextFloor = 0;
  for (let index = 0; index < chain.length; index++) {
    const target = chain[index]!;
    if (contextFloor > 0 && target.info.contextWindow <= contextFloor) continue;
    const hasNext = chain.slice(index + 1).some((next) => contextFloor === 0 || next.info.contextWindow > contextFloor);
    for (let tries = 1; ; tries++) {
      if (state.attempts.length >= options.maxAttemptsPerRequest) throw lastError ?? budgetError(options);
      if (tries === 1) deps.budget.request(target.provider);
      const startedAt = now();
      try {
        const value = await attempt(target, requestSignal, deadline - startedAt);
        return value;
      } catch (error) {
        const failure = toGatewayError(error, { provider: target.provider, model: target.model });
        record(state, target, failure, startedAt, now());
        if (options.signal?.aborted) throw new CancelledError({ provider: target.provider, model: target.model, message: 'The caller cancelled the request' });
        if (requestSignal.aborted) {
          throw new TimeoutError({ provider: target.provider, model: target.model, message: `The request did not finish within ${options.timeouts.requestMs} ms` });
        }
        // The provider refused the gateway's own key or account: another provider can serve the
        // request at once (the executor already tried the provider's other keys).
        if (isCredentialFailure(failure)) {
          lastError = failure;
          break;
        }
        if (failure.code === 'context_length') {
          lastError = failure;
          contextFloor = Math.max(contextFloor, target.info.contextWindow);
          break;
        }
        if (!failure.isRetryable) throw failure;
        lastError = failure;
        // Open breakers, full queues and silent providers: go to the next target right away.
        if (hasNext && (failure.code === 'circuit_open' || failure.code === 'queue_full' || failure.code === 'timeout')) break;
        if (failure.code === 'circuit_open') break;
        if (tries >= options.retry.maxAttempts) break;
        const delay = deps.backoff(tries, failure);
        if (hasNext && delay > (options.failoverAfterMs ?? 5_000)) break;
        if (now() + delay >= deadline) break;
        if (!deps.budget.tryRetry(target.provider)) break;
        await sleep(delay, requestSignal);
      }
    }
  }
  throw lastError ?? budgetError(options);
}

export function record(state: RouteState, target: Target, failure: GatewayError | undefined, startedAt: number, endedAt: number, extra: Partial<AttemptRecord> = {}): void {
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

/** A non-streaming request over the chain; hedges when `hedgeMs` is set. */
export async function routeChat(chain: readonly Target[], request: ChatRequest, deps: RouterDeps, options: RouteOptions, state: RouteState = { attempts: [] }): Promise<ChatResponse> {
  const now = deps.now ?? Date.now;
  return walkChain(chain, deps, options, state, async (target, signal, remainingMs) => {
    const startedAt = now();
    const run = (runTarget: Target, runSignal: AbortSignal) =>
      deps.executor.run(runTarget, (attemptSignal, call) => runTarget.adapter.chat({ ...request, model: runTarget.model }, { signal: attemptSignal, keyIndex: call.keyIndex }), {
        requestId: options.requestId,
        timeoutMs: Math.max(1, Math.min(options.timeouts.attemptMs, remainingMs)),
        signal: runSignal,
        ...(options.conversationId ? { conversationId: options.conversationId } : {}),
      });
    const hedge = options.hedgeMs !== undefined ? chain[chain.indexOf(target) + 1] : undefined;
    const response = hedge ? await hedged(target, hedge, run, signal, options.hedgeMs!) : await run(target, signal);
    const answered = hedge && response.provider === hedge.provider && response.model === hedge.model ? hedge : target;
    record(state, answered, undefined, startedAt, now(), { ...(response.usage ? { usage: response.usage } : {}), ...(answered === hedge ? { hedged: true } : {}) });
    state.provider = response.provider;
    state.model = response.model;
    if (response.usage) state.usage = response.usage;
    state.response = response;
    return response;
  });
}

async function hedged(
  primary: Target,
  backup: Target,
  run: (target: Target, signal: AbortSignal) => Promise<ChatResponse>,
  signal: AbortSignal,
  hedgeMs: number,
): Promise<ChatResponse> {
  const primaryControl = new AbortController();
  const backupControl = new AbortController();
  const onAbort = () => {
    primaryControl.abort(signal.reason);
    backupControl.abort(signal.reason);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const first = run(primary, primaryControl.signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), hedgeMs);
  });
  try {
    const early = await Promise.race([first, late]);
    if (early !== 'late') return early;
    const second = run(backup, backupControl.signal).then((response) => {
      primaryControl.abort(new CancelledError({ message: 'hedge won' }));
      return response;
    });
    const winner = await Promise.any([
      first.then((response) => {
        backupControl.abort(new CancelledError({ message: 'primary won' }));
        return response;
      }),
      second,
    ]).catch((error: AggregateError) => {
      throw error.errors[0];
    });
    return winner;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

export function linkDeadline(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}

function budgetError(options: RouteOptions): GatewayError {
  return new TimeoutError({ message: `No attempt could be made within the request's limits (${options.maxAttemptsPerRequest} attempts, ${options.timeouts.requestMs} ms)` });
}
