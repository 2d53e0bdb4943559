import { ConfigError, type GatewayConfig, type ProviderAdapter, type ProviderConfig } from '@exai/core';
import { createGlm } from '@exai/provider-glm';
import { createKimi } from '@exai/provider-kimi';
import { createMinimax } from '@exai/provider-minimax';
import { createOpenAI, createOpenAICompatible } from '@exai/provider-openai';
import { startSimulator } from '@exai/provider-simulator';

export interface SimulatorHandle {
  url: string;
  close(): Promise<void>;
}

type Dialect = 'openai' | 'glm' | 'kimi' | 'minimax';

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
      if (!provider.baseURL) throw new ConfigError([{ path: `providers.${id}.baseURL`, message: 'an openai-compatible provider needs a baseURL' }]);
      return createOpenAICompatible({ ...common, baseURL: provider.baseURL });
  }
}

/**
 * Builds one adapter per enabled provider in the configuration. With none configured and
 * `simulateWhenNoKeys`, starts the built-in simulator on loopback and serves its four dialects,
 * so a first run without keys is a working gateway (every answer says it is simulated).
 */
export async function buildAdapters(config: GatewayConfig, options: { simulateWhenNoKeys: boolean }): Promise<{ adapters: ProviderAdapter[]; simulator?: SimulatorHandle }> {
  const adapters = Object.entries(config.providers)
    .filter(([, provider]) => provider.enabled)
    .map(([id, provider]) => build(id, provider));
  if (adapters.length > 0 || !options.simulateWhenNoKeys) return { adapters };
  const simulator = await startSimulator({ port: 0 });
  const dialects: Dialect[] = ['glm', 'kimi', 'minimax', 'openai'];
  return {
    simulator: { url: simulator.url, close: () => simulator.close() },
    adapters: dialects.map((dialect) => build(dialect, { kind: dialect, enabled: true, apiKey: 'simulated', baseURL: simulator.baseURL(dialect), models: [], weight: 1 })),
  };
}
