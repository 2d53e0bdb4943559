import {
  type Env,
  type ModelOverride,
  type ProviderAdapter,
  providerBaseUrlEnv,
  providerKeyEnv,
  readEnv,
} from '@exai/core';
import {
  createModelCatalog,
  createOpenAICompatibleProvider,
  deferredAdapter,
  loadApiKeys,
  type ModelCatalog,
  type ModelCatalogEntry,
  type OpenAICompatibleSettings,
} from '@exai/provider-openai-compatible';
import models from './models.json' with { type: 'json' };
import { transformOpenAIRequest } from './request-shaping.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** OpenAI's built-in catalog (data in `models.json`; `gpt` is the flagship's alias). */
export function openaiCatalog(overrides: readonly ModelOverride[] = []): ModelCatalog {
  return createModelCatalog(models as ModelCatalogEntry[], overrides, { provider: 'openai' });
}

export interface OpenAIOptions {
  /** Default: `OPENAI_API_KEY`. Without a key no Authorization header is sent. */
  apiKey?: string;
  /** Several keys, tried in order when the provider rejects one (wins over `apiKey`). */
  apiKeys?: readonly string[];
  /** Default: `OPENAI_BASE_URL`, then `https://api.openai.com/v1`. */
  baseURL?: string;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Instance id. Default `openai`. */
  id?: string;
  /** Replaces the built-in catalog. */
  catalog?: ModelCatalog;
  /** Config overrides applied on top of the catalog (add or change models). */
  models?: readonly ModelOverride[];
  /** Where to read `OPENAI_*` variables. Default `process.env`. */
  env?: Env;
}

/** The OpenAI adapter: the compatible base with OpenAI's request shaping and catalog. */
export function createOpenAI(options: OpenAIOptions = {}): ProviderAdapter {
  const catalog = (options.catalog ?? openaiCatalog()).withOverrides(options.models ?? []);
  return createOpenAICompatibleProvider({
    id: options.id ?? 'openai',
    kind: 'openai',
    baseURL:
      options.baseURL ?? readEnv(options.env ?? process.env, [providerBaseUrlEnv.openai]) ?? OPENAI_DEFAULT_BASE_URL,
    // Several keys (`apiKeys`, or comma-separated in the variable) rotate when the provider rejects one.
    apiKeys: loadApiKeys(options, providerKeyEnv.openai),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    catalog,
    transformRequest: transformOpenAIRequest,
    files: true,
    embeddings: true,
  });
}

export interface OpenAICompatibleOptions extends Partial<Omit<OpenAICompatibleSettings, 'id' | 'baseURL'>> {
  /** Instance id (`openrouter`, `ollama`, `vllm`...). */
  id: string;
  /** The server's base URL, e.g. `http://localhost:11434/v1`. */
  baseURL: string;
  /** Config overrides for the models the server serves. */
  models?: readonly ModelOverride[];
}

/**
 * Any OpenAI-compatible server (vLLM, Ollama, LM Studio, OpenRouter): no request shaping,
 * models discovered from `GET /models` (unknown ids get conservative defaults), files off
 * unless `files: true`.
 */
export function createOpenAICompatible(options: OpenAICompatibleOptions): ProviderAdapter {
  const { models: overrides, catalog, ...settings } = options;
  return createOpenAICompatibleProvider({
    kind: 'openai-compatible',
    ...settings,
    catalog: (catalog ?? createModelCatalog([])).withOverrides(overrides ?? []),
  });
}

/** The default OpenAI adapter: reads `OPENAI_API_KEY` and `OPENAI_BASE_URL` on first use. */
export const openai: ProviderAdapter = deferredAdapter('openai', 'openai', () => createOpenAI(), { embeddings: true });
