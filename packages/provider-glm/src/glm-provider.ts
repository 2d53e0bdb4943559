import {
  type Citation,
  type Env,
  type ModelOverride,
  type ProviderAdapter,
  type ProviderId,
  providerBaseUrlEnv,
  providerKeyEnv,
  readEnv,
  safeProviderOptions,
  splitKeys,
} from '@exai/core';
import { createModelCatalog, createOpenAICompatibleProvider, lazyInstance, type ModelCatalogEntry, resolveBaseURL } from '@exai/provider-openai-compatible';
import { mapGlmError } from './error-mapping.js';
import { withDefaultPurpose } from './files.js';
import catalogEntries from './models.json' with { type: 'json' };
import { normaliseGlmChunk, normaliseGlmResponse } from './normalise.js';
import { shapeGlmRequest } from './request-shaping.js';
import { type GlmWebSearchCallOptions, glmWebSearch } from './web-search.js';

export type GlmRegion = 'international' | 'mainland' | 'coding';

/** Default base URL of each GLM region. */
export const GLM_BASE_URLS: Readonly<Record<GlmRegion, string>> = {
  international: 'https://api.z.ai/api/paas/v4',
  mainland: 'https://open.bigmodel.cn/api/paas/v4',
  coding: 'https://api.z.ai/api/coding/paas/v4',
};

export interface GlmSettings {
  /** Default: `GLM_API_KEY`, then `ZAI_API_KEY`, then `ZHIPUAI_API_KEY`. */
  apiKey?: string;
  /** Several keys, tried in order when the provider rejects one (wins over `apiKey`). */
  apiKeys?: readonly string[];
  /** Default: `GLM_BASE_URL`, else the region's URL. An explicit `region` wins over `GLM_BASE_URL`. */
  baseURL?: string;
  /** Default `international`. */
  region?: GlmRegion;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Instance id. Default `glm`. */
  id?: ProviderId;
  /** Catalog additions or overrides (config `models`). */
  models?: readonly ModelOverride[];
  /** Where keys and URLs are read from. Default `process.env`. */
  env?: Env;
}

export interface GlmProvider extends ProviderAdapter {
  /** GLM's standalone web search (`POST /web_search`). */
  webSearch(query: string, options?: GlmWebSearchCallOptions): Promise<Citation[]>;
}

/** The GLM catalog as data (no network). */
export const glmModels: readonly ModelCatalogEntry[] = catalogEntries as ModelCatalogEntry[];

export function resolveGlmBaseURL(settings: Pick<GlmSettings, 'baseURL' | 'region' | 'env'> = {}): string {
  return resolveBaseURL(settings, GLM_BASE_URLS, providerBaseUrlEnv.glm);
}

/** A GLM (Z.ai / Zhipu BigModel) adapter. */
export function createGlm(settings: GlmSettings = {}): GlmProvider {
  const env = settings.env ?? process.env;
  const id = settings.id ?? 'glm';
  // Several keys (`apiKeys`, or comma-separated in the variable) rotate when the provider rejects one.
  const keys = settings.apiKeys ?? splitKeys(settings.apiKey ?? readEnv(env, providerKeyEnv.glm));
  const apiKey = keys[0];
  const baseURL = resolveGlmBaseURL(settings);
  const base = createOpenAICompatibleProvider({
    id,
    kind: 'glm',
    baseURL,
    ...(apiKey ? { apiKey } : {}),
    ...(keys.length > 1 ? { apiKeys: keys } : {}),
    ...(settings.headers ? { headers: settings.headers } : {}),
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    catalog: createModelCatalog(glmModels, settings.models ?? [], { provider: id }),
    includeStreamUsage: false, // GLM rejects stream_options and always reports usage on the last chunk
    files: true,
    transformRequest: (body, context) =>
      shapeGlmRequest({ ...body, ...(context.request.provider_options ? { provider_options: safeProviderOptions(context.request.provider_options) } : {}) }) as typeof body,
    transformResponse: (raw, response) => normaliseGlmResponse(raw, response),
    createChunkTransformer: () => (raw, chunk) => [normaliseGlmChunk(raw, chunk)],
    errorMapper: (status, body, headers, context) => mapGlmError({ status, body, headers, provider: context.provider, model: context.model }),
  });
  return {
    ...base,
    ...(base.files ? { files: withDefaultPurpose(base.files, 'agent') } : {}),
    webSearch: (query, options) => glmWebSearch({ baseURL: base.baseURL, apiKey, headers: settings.headers, fetch: settings.fetch, provider: id }, query, options),
  };
}

/** The default instance, created on first use from the environment. */
export const glm: GlmProvider = lazyInstance(() => createGlm());
