import type { ProviderLimits, SessionManagerOptions } from './types.js';

export interface ResolvedOptions {
  global: number;
  providerLimit: (provider: string) => number;
  perConversation: number;
  maxQueue: number;
  defaultTimeoutMs: number;
  historySize: number;
  latencyWindow: number;
}

export const defaults = {
  global: 256,
  perProvider: 16,
  perConversation: 1,
  maxQueue: 1000,
  defaultTimeoutMs: 120_000,
  historySize: 1000,
  latencyWindow: 1024,
} as const;

/** Validates the options once, at creation; a bad value is a programming error (RangeError). */
export function resolveOptions(options: SessionManagerOptions): ResolvedOptions {
  return {
    global: positiveInteger('global', options.global ?? defaults.global),
    providerLimit: providerLimit(options.perProvider ?? defaults.perProvider),
    perConversation: positiveInteger('perConversation', options.perConversation ?? defaults.perConversation),
    maxQueue: integerAtLeast('maxQueue', options.maxQueue ?? defaults.maxQueue, 0),
    defaultTimeoutMs: positiveInteger('defaultTimeoutMs', options.defaultTimeoutMs ?? defaults.defaultTimeoutMs),
    historySize: integerAtLeast('historySize', options.historySize ?? defaults.historySize, 0),
    latencyWindow: positiveInteger('latencyWindow', options.latencyWindow ?? defaults.latencyWindow),
  };
}

function providerLimit(limits: ProviderLimits): (provider: string) => number {
  if (typeof limits === 'number') {
    const limit = positiveInteger('perProvider', limits);
    return () => limit;
  }
  const fallback = positiveInteger('perProvider.default', limits.default ?? defaults.perProvider);
  const table = new Map<string, number>();
  for (const [provider, limit] of Object.entries(limits)) {
    if (provider !== 'default') table.set(provider, positiveInteger(`perProvider.${provider}`, limit));
  }
  return (provider) => table.get(provider) ?? fallback;
}

function positiveInteger(name: string, value: number): number {
  return integerAtLeast(name, value, 1);
}

function integerAtLeast(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`session-manager: \`${name}\` must be an integer >= ${minimum}, got ${String(value)}`);
  }
  return value;
}

/** A per-call timeout: a positive finite number of milliseconds. */
export function checkTimeout(value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`session-manager: \`timeoutMs\` must be a positive number, got ${String(value)}`);
  }
  return value;
}
