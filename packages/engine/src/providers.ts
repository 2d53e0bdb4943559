import { ConfigError, type GatewayConfig, type ProviderAdapter, type ProviderConfig } from '@exai/core';
import { createGlm } from '@exai/provider-glm';
import { createKimi } from '@exai/provider-kimi';
import { createMinimax } from '@exai/provider-minimax';
import { createOpenAI, createOpenAICompatible } from '@exai/provider-openai';

/** The dialects the built-in simulator serves, one adapter each in first-run mode. */
export type SimulatedDialect = 'glm' | 'kimi' | 'minimax' | 'openai';

function build(id: string, provider: ProviderConfig): ProviderAdapter {
  const common = {
    id,
    ...(provider.apiKey ? { apiKey: provider.apiKey } : {}),
    ...(provider.keys && provider.keys.length > 0 ? { apiKeys: provider.keys } : {}),
    ...(provider.baseURL ? { baseURL: provider.baseURL } : {}),
    ...(provider.headers ? { headers: provider.headers } : {}),
    ...(provider.models.length > 0 ? { models: provider.models } : {}),
  };
  const region = provider.region ? { region: provider.region } : {};
  switch (provider.kind) {
    case 'glm':
      return createGlm({ ...common, ...region });
    case 'kimi':
      return createKimi({ ...common, ...(provider.region === 'mainland' ? { region: 'mainland' as const } : {}) });
    case 'minimax':
      return createMinimax({ ...common, ...(provider.region === 'mainland' ? { region: 'mainland' as const } : {}) });
    case 'openai':
      return createOpenAI(common);
    case 'openai-compatible':
      // Any OpenAI-compatible endpoint (vLLM, Ollama, LM Studio, OpenRouter): no OpenAI catalog,
      // its models come from configuration and its own `/models`.
      if (!provider.baseURL)
        throw new ConfigError([
          { path: `providers.${id}.baseURL`, message: 'an openai-compatible provider needs a baseURL' },
        ]);
      return createOpenAICompatible({ ...common, baseURL: provider.baseURL });
  }
}

/** One adapter per enabled provider in the configuration (none when no provider is configured). */
export function buildAdapters(config: GatewayConfig): ProviderAdapter[] {
  return Object.entries(config.providers)
    .filter(([, provider]) => provider.enabled)
    .map(([id, provider]) => build(id, provider));
}

/**
 * The first-run adapters: the simulator's four dialects (`baseURL` is the running simulator's, e.g.
 * `simulator.baseURL.bind(simulator)` of `@exai/provider-simulator`), so a first run without keys is
 * a working gateway. The engine built over them is `simulated`: every answer says so.
 */
export function simulatedAdapters(baseURL: (dialect: SimulatedDialect) => string): ProviderAdapter[] {
  const dialects: SimulatedDialect[] = ['glm', 'kimi', 'minimax', 'openai'];
  return dialects.map((dialect) =>
    build(dialect, {
      kind: dialect,
      enabled: true,
      apiKey: 'simulated',
      baseURL: baseURL(dialect),
      models: [],
      weight: 1,
    }),
  );
}
