import { type ProviderAdapter, providerBaseUrlEnv } from '@exai/core';
import {
  createProvider,
  type ModelCatalogEntry,
  type ProviderDefinition,
  type ProviderSettings,
  resolveBaseURL,
} from '@exai/provider-openai-compatible';
import { minimaxErrorStructure } from './error-mapping.js';
import catalogEntries from './models.json' with { type: 'json' };
import { createMinimaxChunkNormalizer, normalizeMinimaxResponse } from './normalize.js';
import { shapeMinimaxRequest } from './request-shaping.js';

/** `coding` is accepted (the shared config allows it) and means `international`. */
export type MinimaxRegion = 'international' | 'mainland' | 'coding';

/** Default base URL of each MiniMax region. */
export const MINIMAX_BASE_URLS: Readonly<Record<MinimaxRegion, string>> = {
  international: 'https://api.minimax.io/v1',
  mainland: 'https://api.minimaxi.com/v1',
  coding: 'https://api.minimax.io/v1',
};

/** `createMinimax` settings; keys default to `MINIMAX_API_KEY`. */
export type MinimaxSettings = ProviderSettings<MinimaxRegion>;

export type MinimaxProvider = ProviderAdapter;

/** The MiniMax catalog as data (no network). */
export const minimaxModels: readonly ModelCatalogEntry[] = catalogEntries as ModelCatalogEntry[];

export function resolveMinimaxBaseURL(settings: Pick<MinimaxSettings, 'baseURL' | 'region' | 'env'> = {}): string {
  return resolveBaseURL(settings, MINIMAX_BASE_URLS, providerBaseUrlEnv.minimax);
}

const minimaxDefinition: ProviderDefinition<MinimaxRegion> = {
  kind: 'minimax',
  baseURLs: MINIMAX_BASE_URLS,
  models: minimaxModels,
  hooks: {
    includeStreamUsage: false, // MiniMax reports usage on the last chunk without being asked
    transformRequest: (body) => shapeMinimaxRequest(body) as typeof body,
    transformResponse: (raw, response, context) =>
      normalizeMinimaxResponse(raw, response, { provider: context.provider, model: context.model.id }),
    createChunkTransformer: (context) =>
      createMinimaxChunkNormalizer({ provider: context.provider, model: context.model.id }),
    errorStructure: minimaxErrorStructure,
  },
};

/** A MiniMax adapter; keys and base URL are read on first use. */
export function createMinimax(settings: MinimaxSettings = {}): MinimaxProvider {
  return createProvider(minimaxDefinition, settings);
}

/** The default instance: reads `MINIMAX_API_KEY` and `MINIMAX_BASE_URL` on first use. */
export const minimax: MinimaxProvider = createMinimax();
