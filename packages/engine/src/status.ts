import type { BreakerRegistry } from '@exai/circuit-breakers';
import type { ProviderAdapter } from '@exai/core';
import type { SessionManager } from '@exai/session-manager';
import type { CredentialHolds } from './credential-holds.js';
import type { EngineStatus } from './engine-types.js';

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
  const stateOf = (key: string) => breakers.find((breaker) => breaker.key === key)?.state ?? 'closed';
  const credentials = parts.credentials.list();
  return {
    simulated: parts.simulated,
    providers: parts.adapters.map((adapter) => ({
      id: adapter.id,
      kind: adapter.kind,
      simulated: parts.simulated,
      breaker: stateOf(adapter.id),
      inFlight: metrics.perProvider[adapter.id]?.inFlight ?? 0,
      queued: metrics.perProvider[adapter.id]?.queued ?? 0,
      keys: adapter.keyCount ?? 1,
      heldKeys: credentials.filter((hold) => hold.provider === adapter.id).length,
    })),
    breakers: breakers.map((breaker) => ({ key: breaker.key, state: breaker.state })),
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
