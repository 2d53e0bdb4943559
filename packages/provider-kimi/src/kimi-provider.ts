import type { ProviderAdapter } from '@exai/core';
import type { ModelCatalogEntry, ProviderSettings } from '@exai/provider-openai-compatible';
import { defineProvider, statelessHooks } from '@exai/provider-openai-compatible';
import { kimiErrorStructure } from './error-mapping.js';
import catalogEntries from './models.json' with { type: 'json' };
import { normalizeKimiChunk, normalizeKimiResponse } from './normalize.js';
import { shapeKimiRequest } from './request-shaping.js';

/** `coding` is accepted (the shared config allows it) and means `international`. */
export type KimiRegion = keyof typeof KIMI_BASE_URLS;

/** `createKimi` settings; keys default to `KIMI_API_KEY`, then `MOONSHOT_API_KEY`. */
export type KimiSettings = ProviderSettings<KimiRegion>;

/** A Kimi adapter always has the files API (uploads default to `purpose: 'file-extract'`). */
export interface KimiProvider extends ProviderAdapter {
  readonly files: NonNullable<ProviderAdapter['files']>;
}

const kimiDefinition = defineProvider({
  kind: 'kimi',
  baseURLs: {
    international: 'https://api.moonshot.ai/v1',
    mainland: 'https://api.moonshot.cn/v1',
    coding: 'https://api.moonshot.ai/v1',
  },
  models: catalogEntries as ModelCatalogEntry[],
  hooks: statelessHooks(
    {
      shapeRequest: shapeKimiRequest,
      normalizeResponse: normalizeKimiResponse,
      normalizeChunk: normalizeKimiChunk,
      errorStructure: kimiErrorStructure,
    },
    { files: true, filePurpose: 'file-extract' },
  ),
});

/** Each region's base URL, the catalog as data (no network), and the base URL a settings object resolves to. */
export const { baseURLs: KIMI_BASE_URLS, models: kimiModels, resolveBaseURL: resolveKimiBaseURL } = kimiDefinition;

/** A Kimi (Moonshot AI) adapter; keys and base URL are read on first use. */
export function createKimi(settings: KimiSettings = {}): KimiProvider {
  return kimiDefinition.create(settings, (built) => ({
    get files() {
      const files = built().adapter.files;
      if (!files) throw new TypeError('provider-kimi: the base adapter did not create a files API');
      return files;
    },
  }));
}

/** The default instance: reads `KIMI_API_KEY` and `KIMI_BASE_URL` on first use. */
export const kimi: KimiProvider = createKimi();
