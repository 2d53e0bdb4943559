import { type ChatRequest, type GatewayConfig, type Logger, ownValue } from '@exai/core';
import type { AutoRequirements, ModelResolver, Target } from './resolve.js';

/**
 * Where a thread would rather go: the provider that served it and, while that provider's context
 * cache makes the thread cheaper there (`cached`), the very model (the cache is per model).
 */
export interface Affinity {
  provider: string;
  model?: string | null;
  cached?: boolean;
}

/**
 * The ordered targets a request tries: its model's targets, then its `models: [...]` list (the first
 * target of each), then the configuration's `fallbacks` for the model; each target once.
 */
export function buildChain(
  resolver: ModelResolver,
  config: GatewayConfig,
  logger: Logger,
  request: Pick<ChatRequest, 'model' | 'models'>,
  auto: AutoRequirements | undefined,
  prefer?: string | Affinity | null,
): Target[] {
  const affinity = typeof prefer === 'string' ? { provider: prefer } : (prefer ?? undefined);
  const names = [request.model || config.defaultModel, ...(request.models ?? [])];
  const seen = new Set<string>();
  const chain: Target[] = [];
  const add = (targets: Target[]) => {
    for (const target of targets) {
      const key = `${target.provider}/${target.model}`;
      if (!seen.has(key)) {
        seen.add(key);
        chain.push(target);
      }
    }
  };
  for (const [index, name] of names.entries()) {
    let targets = resolver.resolve(name, auto);
    // Affinity: when the caller left the choice to us (`auto`, or a model several providers
    // serve), a thread goes back to the provider that served it. Its breaker decides whether
    // that provider takes the call; when it is open the next target answers.
    // With a warm prompt cache the thread's own model goes first: another model of the same provider
    // would pay the full input price again. An open breaker still sends the call down the chain.
    if (index === 0 && affinity && targets.length > 1) {
      const home = (target: Target) =>
        affinity.cached === true && target.provider === affinity.provider && target.model === affinity.model;
      const rank = (target: Target) => (home(target) ? 0 : target.provider === affinity.provider ? 1 : 2);
      targets = [...targets].sort((left, right) => rank(left) - rank(right));
    }
    add(index === 0 ? targets : targets.slice(0, 1));
  }
  const primary = chain[0]!;
  const fallbacks = config.fallbacks;
  for (const name of ownValue(fallbacks, request.model) ??
    ownValue(fallbacks, primary.model) ??
    ownValue(fallbacks, `${primary.provider}/${primary.model}`) ??
    []) {
    try {
      add(resolver.resolve(name).slice(0, 1));
    } catch (error) {
      logger.warn({ fallback: name, err: error }, 'configured fallback does not resolve');
    }
  }
  return chain;
}
