import { type FilesApi, type ProviderAdapter, providerBaseUrlEnv } from '@exai/core';
import {
  createProvider,
  eachChunk,
  type ModelCatalogEntry,
  type ProviderDefinition,
  type ProviderSettings,
  resolveBaseURL,
} from '@exai/provider-openai-compatible';
import { kimiErrorStructure } from './error-mapping.js';
import catalogEntries from './models.json' with { type: 'json' };
import { normalizeKimiChunk, normalizeKimiResponse } from './normalize.js';
import { shapeKimiRequest } from './request-shaping.js';

/** `coding` is accepted (the shared config allows it) and means `international`. */
export type KimiRegion = 'international' | 'mainland' | 'coding';

/** Default base URL of each Kimi region. */
export const KIMI_BASE_URLS: Readonly<Record<KimiRegion, string>> = {
  international: 'https://api.moonshot.ai/v1',
  mainland: 'https://api.moonshot.cn/v1',
  coding: 'https://api.moonshot.ai/v1',
};

/** `createKimi` settings; keys default to `KIMI_API_KEY`, then `MOONSHOT_API_KEY`. */
export type KimiSettings = ProviderSettings<KimiRegion>;

/** A Kimi adapter always has the files API (uploads default to `purpose: 'file-extract'`). */
export interface KimiProvider extends ProviderAdapter {
  readonly files: NonNullable<ProviderAdapter['files']>;
}

/** The Kimi catalog as data (no network). */
export const kimiModels: readonly ModelCatalogEntry[] = catalogEntries as ModelCatalogEntry[];

export function resolveKimiBaseURL(settings: Pick<KimiSettings, 'baseURL' | 'region' | 'env'> = {}): string {
  return resolveBaseURL(settings, KIMI_BASE_URLS, providerBaseUrlEnv.kimi);
}

const kimiDefinition: ProviderDefinition<KimiRegion> = {
  kind: 'kimi',
  baseURLs: KIMI_BASE_URLS,
  models: kimiModels,
  hooks: {
    includeStreamUsage: false, // Kimi reports usage in the last chunk's choice; lifted by normalizeKimiChunk
    files: true,
    filePurpose: 'file-extract',
    transformRequest: (body) => shapeKimiRequest(body) as typeof body,
    transformResponse: normalizeKimiResponse,
    createChunkTransformer: eachChunk(normalizeKimiChunk),
    errorStructure: kimiErrorStructure,
  },
};

/** A Kimi (Moonshot AI) adapter; keys and base URL are read on first use. */
export function createKimi(settings: KimiSettings = {}): KimiProvider {
  return createProvider(kimiDefinition, settings, (built) => ({
    get files(): FilesApi {
      const files = built().adapter.files;
      if (!files) throw new TypeError('provider-kimi: the base adapter did not create a files API');
      return files;
    },
  }));
}

/** The default instance: reads `KIMI_API_KEY` and `KIMI_BASE_URL` on first use. */
export const kimi: KimiProvider = createKimi();
