/**
 * Breaker options, their defaults and how a registry key maps to a provider's options.
 * The names match the `breaker` section of `@exai/core`'s configuration schema.
 */

export interface BreakerOptions {
  /** Length of the rolling statistics window, in milliseconds. Default 30000. */
  rollingWindowMs: number;
  /** Number of buckets the rolling window is divided into. Default 10. */
  rollingWindowBuckets: number;
  /** Minimum number of calls in the window before the breaker may open. Default 5. */
  volumeThreshold: number;
  /** The breaker opens when the failure percentage in the window is above this. Default 50. */
  errorThresholdPercentage: number;
  /**
   * The longest wait of an open breaker before it lets one probe through (half-open). The first probe
   * comes `firstProbeMs` after opening; each failed probe doubles the wait up to this. Default 15000.
   */
  resetTimeoutMs: number;
  /** The wait before the first half-open probe after the breaker opens (capped by `resetTimeoutMs`). Default 1000. */
  firstProbeMs: number;
  /**
   * Per-call timeout enforced by the breaker, in milliseconds; `false` (the default) leaves
   * timeouts to the caller (the session manager). A call that runs over fails with `TimeoutError`.
   */
  timeoutMs: number | false;
}

export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  rollingWindowMs: 30_000,
  rollingWindowBuckets: 10,
  volumeThreshold: 5,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 15_000,
  firstProbeMs: 1_000,
  timeoutMs: false,
});

export interface ParsedKey {
  provider: string;
  model: string | undefined;
  /** 1-based position of the provider key (`glm/glm-4.6#2`), for providers with several keys. */
  keyIndex: number | undefined;
}

/**
 * `glm` → `{ provider: 'glm' }`; `glm/glm-4.6` → `{ provider: 'glm', model: 'glm-4.6' }`;
 * `glm/glm-4.6#2` → the same model on the provider's second key.
 */
export function parseKey(key: string): ParsedKey {
  const slash = key.indexOf('/');
  if (slash === -1) return { provider: key, model: undefined, keyIndex: undefined };
  let model = key.slice(slash + 1);
  let keyIndex: number | undefined;
  const hash = /#([1-9][0-9]*)$/.exec(model);
  if (hash) {
    keyIndex = Number(hash[1]);
    model = model.slice(0, hash.index);
  }
  return { provider: key.slice(0, slash), model: model || undefined, keyIndex };
}

/** The key of one model's breaker; with several provider keys, of that model on one of them (0-based `keyIndex`). */
export function modelBreakerKey(provider: string, model: string, keyIndex = 0, keyCount = 1): string {
  return keyCount > 1 ? `${provider}/${model}#${keyIndex + 1}` : `${provider}/${model}`;
}

/** Defaults, then the registry's `defaults`, then the provider's entry; validated. */
export function resolveBreakerOptions(
  provider: string,
  defaults: Partial<BreakerOptions> | undefined,
  perProvider: Record<string, Partial<BreakerOptions>> | undefined,
): BreakerOptions {
  const resolved: BreakerOptions = {
    ...DEFAULT_BREAKER_OPTIONS,
    ...withoutUndefined(defaults),
    ...withoutUndefined(perProvider?.[provider]),
  };
  validate(resolved, provider);
  return resolved;
}

function withoutUndefined(options: Partial<BreakerOptions> | undefined): Partial<BreakerOptions> {
  if (!options) return {};
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) if (value !== undefined) result[name] = value;
  return result as Partial<BreakerOptions>;
}

function validate(options: BreakerOptions, provider: string): void {
  const positive = (name: keyof BreakerOptions, value: number): void => {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`Breaker option ${name} for provider '${provider}' must be a positive number, got ${value}`);
    }
  };
  positive('rollingWindowMs', options.rollingWindowMs);
  positive('rollingWindowBuckets', options.rollingWindowBuckets);
  positive('resetTimeoutMs', options.resetTimeoutMs);
  positive('firstProbeMs', options.firstProbeMs);
  if (!Number.isInteger(options.rollingWindowBuckets)) {
    throw new RangeError(`Breaker option rollingWindowBuckets for provider '${provider}' must be an integer`);
  }
  if (!Number.isInteger(options.volumeThreshold) || options.volumeThreshold < 0) {
    throw new RangeError(`Breaker option volumeThreshold for provider '${provider}' must be a non-negative integer`);
  }
  const percentage = options.errorThresholdPercentage;
  if (!Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
    throw new RangeError(
      `Breaker option errorThresholdPercentage for provider '${provider}' must be between 0 and 100`,
    );
  }
  if (options.timeoutMs !== false) positive('timeoutMs', options.timeoutMs);
}
