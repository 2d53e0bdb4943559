import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { SharedBreakerState } from '@exai/core';
import type { BreakerErrorContext, BreakerRegistryOptions, BreakerStateEvent } from './types.js';

/** The registry options every breaker of a registry shares, with their defaults applied. */
export interface HostSettings {
  readonly instanceId: string;
  readonly shared: SharedBreakerState | undefined;
  readonly sharedRefreshMs: number;
  readonly sharedReadTimeoutMs: number;
  readonly probeLockMs: number;
  readonly probeClaimTimeoutMs: number;
  /** Provider keys count provider faults only, model keys model faults only; `Retry-After` holds a model. */
  readonly scoped: boolean;
}

export function hostSettings(options: BreakerRegistryOptions): HostSettings {
  return {
    instanceId: options.instanceId ?? randomUUID(),
    shared: options.shared,
    sharedRefreshMs: options.sharedRefreshMs ?? 250,
    sharedReadTimeoutMs: options.sharedReadTimeoutMs ?? 100,
    probeLockMs: options.probeLockMs ?? 30_000,
    probeClaimTimeoutMs: options.probeClaimTimeoutMs ?? 1_000,
    scoped: options.scoped ?? false,
  };
}

/** What a breaker needs from its registry. */
export interface BreakerHost {
  readonly settings: HostSettings;
  rotationClock(bucketIntervalMs: number): EventEmitter;
  emitState(event: BreakerStateEvent): void;
  reportError(error: unknown, context: BreakerErrorContext): void;
}
