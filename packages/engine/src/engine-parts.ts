import { randomUUID } from 'node:crypto';
import { type BreakerRegistry, createBreakerRegistry } from '@exai/circuit-breakers';
import {
  type ChatRequest,
  type GatewayConfig,
  type Logger,
  ownValue,
  type ProviderAdapter,
  StoreUnavailableError,
} from '@exai/core';
import { createSessionManager, type SessionManager } from '@exai/session-manager';
import type { Store } from '@exai/store';
import { CredentialHolds } from './credential-holds.js';
import type { EngineCallOptions } from './engine-types.js';
import { createExecutor } from './executor.js';
import { ModelResolver } from './resolve.js';
import { PrefillMemory } from './resume.js';
import { RetryBudget } from './retry-budget.js';
import type { RouteOptions } from './route-types.js';
import type { RouterDeps } from './router.js';

/**
 * The engine's wiring, built once from its configuration, adapters and store: the resolver, the
 * breakers (shared with the fleet when the store's state reaches beyond this process), credential
 * holds, the session manager and the router's parts; and the route options of one call.
 */

export interface EngineParts {
  resolver: ModelResolver;
  breakers: BreakerRegistry;
  credentials: CredentialHolds;
  sessions: SessionManager;
  deps: RouterDeps;
}

export function wireEngine(
  config: GatewayConfig,
  adapters: readonly ProviderAdapter[],
  store: Store,
  options: { logger: Logger; instanceId?: string; random?: () => number },
): EngineParts {
  const resolver = new ModelResolver(adapters, config, options.random);
  // State shared beyond this process (Redis, or the primary of `--workers N`); in-process state needs no sharing.
  const fleet = store.shared.kind !== 'memory';
  const breakers = createBreakerRegistry({
    defaults: config.breaker,
    // Breakers where the fault is: the provider's for provider-wide faults, one per model (and key) for the rest.
    scoped: true,
    ...(fleet ? { shared: store.shared.breakers } : {}),
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
    // Redis being unavailable is logged once per outage by the store; breakers then decide locally.
    onError: (error, context) => {
      if (!StoreUnavailableError.isInstance(error))
        options.logger.warn({ err: error, ...context }, 'shared breaker state failed');
    },
  });
  const credentials = new CredentialHolds({
    holdMs: config.breaker.credentialHoldMs,
    shared: store.shared.breakers,
    probes: store.shared.semaphore,
    logger: options.logger,
    instanceId: options.instanceId ?? randomUUID(),
  });
  const perProvider: Record<string, number> = { default: config.concurrency.perProvider };
  for (const [id, provider] of Object.entries(config.providers))
    if (provider.maxConcurrency) perProvider[id] = provider.maxConcurrency;
  const sessions = createSessionManager({
    global: config.concurrency.global,
    perProvider,
    perConversation: config.concurrency.perConversation,
    maxQueue: config.concurrency.maxQueue,
    defaultTimeoutMs: config.timeouts.requestMs,
    // The engine reads its sessions' counts and latencies, never finished records: keeping the last 1,000 would
    // hold each call's record for ~2 s at 500 req/s, long enough to be promoted to the old generation.
    historySize: 0,
  });
  const executor = createExecutor({
    config,
    sessions,
    breakers,
    credentials,
    slots: fleet ? store.shared.semaphore : undefined,
    logger: options.logger,
  });
  const deps: RouterDeps = {
    executor,
    budget: new RetryBudget({ ratio: config.retry.budgetRatio }),
    prefill: new PrefillMemory(),
  };
  return { resolver, breakers, credentials, sessions, deps };
}

/** How one call is routed: its first-token limit per target, resume, timeouts, retries and hedging. */
export function routeOptionsOf(
  config: GatewayConfig,
  requestId: string,
  request: Pick<ChatRequest, 'model' | 'exai'>,
  options: EngineCallOptions,
  conversationId?: string,
): RouteOptions {
  const hedgeMs = ownValue(config.hedging, request.model);
  const route = ownValue(config.routes, request.model);
  const timeouts = config.timeouts;
  return {
    firstTokenMsOf: (target) =>
      route?.firstTokenMs ??
      target.info.firstTokenMs ??
      timeouts.firstTokenMs ??
      timeouts.firstTokenByTierMs[target.info.tier ?? 'balanced'],
    resume: request.exai?.resume ?? route?.resume ?? true,
    requestId,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(conversationId ? { conversationId } : {}),
    timeouts: config.timeouts,
    retry: config.retry,
    maxAttemptsPerRequest: config.retry.maxAttemptsPerRequest,
    ...(hedgeMs ? { hedgeMs } : {}),
  };
}
