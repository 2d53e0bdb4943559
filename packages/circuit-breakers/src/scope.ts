import { GatewayError } from '@exai/core';

/**
 * Where a fault is: the whole provider (its host, its network path, its service) or one model of it
 * (that model's rate limit, its capacity, its availability). With a scoped registry a provider key
 * (`glm`) counts only provider faults and a model key (`glm/glm-4.6`, `glm/glm-4.6#2` per provider key)
 * only model faults, so a 429 storm on one model leaves the provider's other models in service.
 */
export type FaultScope = 'provider' | 'model';

/**
 * The scope of a failure, or undefined when it says nothing about the provider's health (client
 * errors, cancellations, an open breaker). `not_found` (a model the provider does not serve, or no
 * longer) counts for the model only.
 */
export function faultScope(error: unknown): FaultScope | undefined {
  if (!GatewayError.isInstance(error)) {
    if (error instanceof Error && error.name === 'AbortError') return undefined;
    return 'provider'; // what toGatewayError() calls a `server` error
  }
  switch (error.code) {
    case 'network':
    case 'server':
      return 'provider';
    case 'rate_limited':
    case 'overloaded':
    case 'timeout':
    case 'stream_interrupted':
    case 'not_found':
      return 'model';
    default:
      return undefined;
  }
}

/** A rate limit with `Retry-After`: the model is held for that long instead of the failure being counted. */
export function retryAfterHoldMs(error: unknown): number | undefined {
  if (!GatewayError.isInstance(error) || error.code !== 'rate_limited') return undefined;
  const ms = error.retryAfterMs;
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/**
 * What a breaker makes of a failure: a `failure` counts toward opening; `answered` counts as the provider
 * having answered (client errors, and with a scope, faults of the other scope); a model's rate limit with
 * `Retry-After` holds it instead. `scope` undefined: unscoped, every provider fault counts. During a probe
 * a cancelled call counts as a failure (no evidence the provider is back; see README).
 */
export function judge(
  error: unknown,
  scope: FaultScope | undefined,
  probing: boolean,
): 'failure' | 'answered' | { holdMs: number } {
  if (scope !== undefined) {
    const found = faultScope(error);
    if (found !== undefined) {
      if (found !== scope) return 'answered';
      const holdMs = scope === 'model' ? retryAfterHoldMs(error) : undefined;
      return holdMs === undefined ? 'failure' : { holdMs };
    }
  } else if (GatewayError.isInstance(error) && error.isProviderFault) return 'failure';
  if (GatewayError.isInstance(error)) return probing && error.code === 'cancelled' ? 'failure' : 'answered';
  if (error instanceof Error && error.name === 'AbortError') return probing ? 'failure' : 'answered';
  return 'failure';
}

/**
 * The half-open probe schedule: the first probe `firstMs` after opening, each failed probe doubling
 * the wait up to `maxMs`; a close starts it over.
 */
export class ProbeSchedule {
  private nextMs: number;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {
    this.nextMs = Math.min(firstMs, maxMs);
  }

  /** The wait before the next probe, if the breaker opened now. */
  get currentMs(): number {
    return this.nextMs;
  }

  /** The breaker opened (or re-opened) with `currentMs`: the next opening waits twice as long. */
  opened(): void {
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
  }

  /** A probe failed after another instance's hold of `waitMs`: the next wait is twice that (within bounds). */
  failedAfter(waitMs: number): void {
    if (waitMs > 0) this.nextMs = Math.min(this.maxMs, Math.max(this.firstMs, waitMs * 2));
  }

  closed(): void {
    this.nextMs = Math.min(this.firstMs, this.maxMs);
  }
}
