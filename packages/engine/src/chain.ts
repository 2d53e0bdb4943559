import { type ChatRequest, type GatewayConfig, type Logger, ownValue } from '@exai/core';
import type { AutoRequirements, ModelResolver, Target } from './resolve.js';

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
  preferProvider?: string | null,
): Target[] {
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
    if (index === 0 && preferProvider && targets.length > 1) {
      targets = [
        ...targets.filter((target) => target.provider === preferProvider),
        ...targets.filter((target) => target.provider !== preferProvider),
      ];
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
