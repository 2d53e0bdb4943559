import type { BreakerRegistry } from '@exai/circuit-breakers';
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
 * has `maxConcurrency`, through the provider's breaker, with a key the provider has not rejected.
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
            return await breakers.get(target.provider).execute(() => withKey(parts.credentials, target, signal, fn));
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

/**
 * Calls with a key the provider has not rejected. A rejected key is held out and the provider's next key
 * serves; when none is left the failure goes to the router, which fails over.
 */
async function withKey<T>(
  credentials: CredentialHolds,
  target: Target,
  signal: AbortSignal,
  fn: (signal: AbortSignal, call: AttemptCall) => Promise<T>,
): Promise<T> {
  const keyCount = target.adapter.keyCount ?? 1;
  let lease = await credentials.acquire(target.provider, keyCount);
  if (!lease) throw credentials.heldError(target.provider, target.model);
  for (;;) {
    const current = lease;
    try {
      const value = await fn(signal, { keyIndex: current.keyIndex });
      if (current.probe) credentials.recovered(target.provider, current.keyIndex);
      return value;
    } catch (error) {
      if (!GatewayError.isInstance(error) || !isCredentialFailure(error)) throw error;
      credentials.hold(target.provider, current.keyIndex, error);
      const next = await credentials.acquire(target.provider, keyCount);
      if (!next || signal.aborted) throw error;
      lease = next;
    } finally {
      void current.release?.().catch(() => undefined);
    }
  }
}
