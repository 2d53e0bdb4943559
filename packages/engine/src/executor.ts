import { type Breaker, type BreakerRegistry, modelBreakerKey } from '@exai/circuit-breakers';
import {
  type GatewayConfig,
  GatewayError,
  isCredentialFailure,
  type Logger,
  ownValue,
  type SharedSemaphore,
} from '@exai/core';
import type { SessionManager } from '@exai/session-manager';
import type { CredentialHolds } from './credential-holds.js';
import type { Target } from './resolve.js';
import type { AttemptCall, Executor } from './route-types.js';
import { acquireSharedSlot } from './shared-slots.js';

export interface ExecutorParts {
  config: GatewayConfig;
  sessions: SessionManager;
  breakers: BreakerRegistry;
  credentials: CredentialHolds;
  /** Per-provider concurrency across instances (Redis), for providers with `maxConcurrency`. */
  slots: SharedSemaphore | undefined;
  logger: Logger;
}

/**
 * One attempt = a managed session (limits, timeout, cancellation) holding a shared slot when the provider
 * has `maxConcurrency`, through the provider's breaker (provider-wide faults) and the model's breaker on
 * the key it sends (that model's faults, one breaker per provider key), with a key the provider has not
 * rejected and whose model breaker lets it through.
 */
export function createExecutor(parts: ExecutorParts): Executor {
  const { config, sessions, breakers, slots, logger } = parts;
  return {
    run: (target, fn, runOptions) =>
      sessions.run(
        async ({ signal }) => {
          const limit = ownValue(config.providers, target.provider)?.maxConcurrency;
          const release =
            slots && limit
              ? await acquireSharedSlot(
                  slots,
                  `provider:${target.provider}`,
                  limit,
                  runOptions.timeoutMs + 5_000,
                  signal,
                )
              : undefined;
          try {
            const models = modelBreakers(breakers, target);
            // Every key's model breaker refuses: say so without a call, and without a verdict on the provider.
            if (!models.some(admits))
              return await soonest(models).execute(() => withKey(parts, target, models, signal, fn));
            return await breakers.get(target.provider).execute(() => withKey(parts, target, models, signal, fn));
          } finally {
            void release?.().catch((error: unknown) => logger.warn({ err: error }, 'could not release a shared slot'));
          }
        },
        {
          provider: target.provider,
          model: target.model,
          timeoutMs: runOptions.timeoutMs,
          signal: runOptions.signal,
          ...(runOptions.conversationId ? { conversationId: runOptions.conversationId } : {}),
        },
      ),
  };
}

/** Each adapter's catalog ids, read once (an adapter's catalog is fixed by its configuration). */
const catalogs = new WeakMap<Target['adapter'], Set<string>>();
function catalogIds(adapter: Target['adapter']): Set<string> {
  let ids = catalogs.get(adapter);
  if (!ids) {
    ids = new Set(adapter.catalog().map((info) => info.id));
    catalogs.set(adapter, ids);
  }
  return ids;
}

/**
 * The target model's breaker on each of the provider's keys (`glm/glm-4.6`, or `glm/glm-4.6#1`, `#2`, ...).
 * Models outside the provider's catalog (names passed through) share one breaker, `glm/*`: a client's
 * made-up names must not mint a breaker each.
 */
function modelBreakers(breakers: BreakerRegistry, target: Target): Breaker[] {
  const keyCount = target.adapter.keyCount ?? 1;
  const model = catalogIds(target.adapter).has(target.model) ? target.model : '*';
  return Array.from({ length: keyCount }, (_, index) =>
    breakers.get(modelBreakerKey(target.provider, model, index, keyCount)),
  );
}

const admits = (breaker: Breaker): boolean => breaker.retryAfterMs() === 0;
const soonest = (models: Breaker[]): Breaker =>
  models.reduce((best, breaker) => (breaker.retryAfterMs() < best.retryAfterMs() ? breaker : best));

/**
 * Calls with a key the provider has not rejected and whose model breaker admits the call. A rejected key
 * is held out and the provider's next key serves; when none is left the failure goes to the router,
 * which fails over.
 */
async function withKey<T>(
  { credentials }: ExecutorParts,
  target: Target,
  models: Breaker[],
  signal: AbortSignal,
  fn: (signal: AbortSignal, call: AttemptCall) => Promise<T>,
): Promise<T> {
  const keyCount = models.length;
  const usable = (index: number) => admits(models[index]!);
  let lease = await credentials.acquire(target.provider, keyCount, usable);
  if (!lease) {
    const refusing = models.filter((breaker) => !admits(breaker));
    if (refusing.length > 0) {
      const breaker = soonest(refusing);
      return breaker.execute(() => fn(signal, { keyIndex: (breaker.keyIndex ?? 1) - 1 }));
    }
    throw credentials.heldError(target.provider, target.model);
  }
  for (;;) {
    const current = lease;
    try {
      const value = await models[current.keyIndex]!.execute(() => fn(signal, { keyIndex: current.keyIndex }));
      if (current.probe) credentials.recovered(target.provider, current.keyIndex);
      return value;
    } catch (error) {
      if (!GatewayError.isInstance(error) || !isCredentialFailure(error)) throw error;
      credentials.hold(target.provider, current.keyIndex, error);
      const next = await credentials.acquire(target.provider, keyCount, usable);
      if (!next || signal.aborted) throw error;
      lease = next;
    } finally {
      void current.release?.().catch(() => undefined);
    }
  }
}
