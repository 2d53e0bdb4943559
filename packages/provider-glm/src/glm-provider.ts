import type { Citation, ProviderAdapter } from '@exai/core';
import type { ModelCatalogEntry, ProviderSettings } from '@exai/provider-openai-compatible';
import { defineProvider, statelessHooks } from '@exai/provider-openai-compatible';
import { glmErrorStructure } from './error-mapping.js';
import catalogEntries from './models.json' with { type: 'json' };
import { normalizeGlmChunk, normalizeGlmResponse } from './normalize.js';
import { shapeGlmRequest } from './request-shaping.js';
import { type GlmWebSearchCallOptions, glmWebSearch } from './web-search.js';

export type GlmRegion = keyof typeof GLM_BASE_URLS;

/** `createGlm` settings; keys default to `GLM_API_KEY`, then `ZAI_API_KEY`, then `ZHIPUAI_API_KEY`. */
export type GlmSettings = ProviderSettings<GlmRegion>;

export interface GlmProvider extends ProviderAdapter {
  /** GLM's standalone web search (`POST /web_search`). */
  webSearch(query: string, options?: GlmWebSearchCallOptions): Promise<Citation[]>;
}

const glmDefinition = defineProvider({
  kind: 'glm',
  baseURLs: {
    international: 'https://api.z.ai/api/paas/v4',
    mainland: 'https://open.bigmodel.cn/api/paas/v4',
    coding: 'https://api.z.ai/api/coding/paas/v4',
  },
  models: catalogEntries as ModelCatalogEntry[],
  hooks: statelessHooks(
    {
      shapeRequest: shapeGlmRequest,
      normalizeResponse: normalizeGlmResponse,
      normalizeChunk: normalizeGlmChunk,
      errorStructure: glmErrorStructure,
    },
    { files: true, embeddings: true, filePurpose: 'agent' },
  ),
});

/** Each region's base URL, the catalog as data (no network), and the base URL a settings object resolves to. */
export const { baseURLs: GLM_BASE_URLS, models: glmModels, resolveBaseURL: resolveGlmBaseURL } = glmDefinition;

/** A GLM (Z.ai / Zhipu BigModel) adapter; keys and base URL are read on first use. */
export function createGlm(settings: GlmSettings = {}): GlmProvider {
  return glmDefinition.create(settings, (built) => ({
    webSearch: (query: string, options?: GlmWebSearchCallOptions) => {
      const { baseURL, keys, id } = built();
      return glmWebSearch(
        { baseURL, apiKey: keys[0], headers: settings.headers, fetch: settings.fetch, provider: id },
        query,
        options,
      );
    },
  }));
}

/** The default instance: reads `GLM_API_KEY` and `GLM_BASE_URL` on first use. */
export const glm: GlmProvider = createGlm();
