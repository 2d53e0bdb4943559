import type { BreakerRegistry, BreakerSnapshot } from '@exai/circuit-breakers';
import type { BreakerState, ProviderAdapter } from '@exai/core';
import type { SessionManager } from '@exai/session-manager';
import type { CredentialHolds } from './credential-holds.js';
import type { BreakerStatus, EngineStatus, ModelBreakerStatus } from './engine-types.js';

export interface StatusParts {
  simulated: boolean;
  adapters: readonly ProviderAdapter[];
  sessions: SessionManager;
  breakers: BreakerRegistry;
  credentials: CredentialHolds;
  store: EngineStatus['store'];
}

/** What `/readyz`, the dashboard and the status tool show: per provider, breakers, sessions, held keys. */
export function engineStatus(parts: StatusParts): EngineStatus {
  const metrics = parts.sessions.metrics();
  const breakers = parts.breakers.snapshot();
  const credentials = parts.credentials.list();
  return {
    simulated: parts.simulated,
    providers: parts.adapters.map((adapter) => ({
      id: adapter.id,
      kind: adapter.kind,
      simulated: parts.simulated,
      breaker: providerState(breakers, adapter.id),
      models: modelBreakers(breakers, adapter.id),
      inFlight: metrics.perProvider[adapter.id]?.inFlight ?? 0,
      queued: metrics.perProvider[adapter.id]?.queued ?? 0,
      keys: adapter.keyCount ?? 1,
      heldKeys: credentials.filter((hold) => hold.provider === adapter.id).length,
    })),
    breakers: breakers.map(
      (breaker): BreakerStatus => ({
        key: breaker.key,
        scope: breaker.scope,
        provider: breaker.provider,
        ...(breaker.model !== undefined ? { model: breaker.model } : {}),
        ...(breaker.keyIndex !== undefined ? { keyIndex: breaker.keyIndex } : {}),
        state: breaker.state,
      }),
    ),
    sessions: {
      inFlight: metrics.inFlight,
      queued: metrics.queued,
      totals: metrics.totals,
      latencyMs: metrics.latencyMs,
    },
    store: parts.store,
    credentials,
    credentialFailures: parts.credentials.failures(),
  };
}

/** The provider breaker's state; `open` too when every model breaker of the provider is open. */
function providerState(breakers: readonly BreakerSnapshot[], provider: string): BreakerState {
  const own = breakers.find((breaker) => breaker.scope === 'provider' && breaker.provider === provider);
  if (own !== undefined && own.state !== 'closed') return own.state;
  const models = breakers.filter((breaker) => breaker.scope === 'model' && breaker.provider === provider);
  return models.length > 0 && models.every((breaker) => breaker.state === 'open') ? 'open' : 'closed';
}

function modelBreakers(breakers: readonly BreakerSnapshot[], provider: string): ModelBreakerStatus[] {
  return breakers
    .filter((breaker) => breaker.scope === 'model' && breaker.provider === provider && breaker.state !== 'closed')
    .map((breaker) => ({
      model: breaker.model ?? '',
      ...(breaker.keyIndex !== undefined ? { key: breaker.keyIndex } : {}),
      state: breaker.state,
      ...(breaker.heldUntil !== undefined ? { heldUntil: breaker.heldUntil } : {}),
    }));
}
