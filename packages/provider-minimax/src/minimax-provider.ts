import type { ProviderAdapter } from '@exai/core';
import { defineProvider, type ModelCatalogEntry, type ProviderSettings } from '@exai/provider-openai-compatible';
import { minimaxErrorStructure } from './error-mapping.js';
import catalogEntries from './models.json' with { type: 'json' };
import { createMinimaxChunkNormalizer, normalizeMinimaxResponse } from './normalize.js';
import { shapeMinimaxRequest } from './request-shaping.js';

/** `coding` is accepted (the shared config allows it) and means `international`. */
export type MinimaxRegion = keyof typeof MINIMAX_BASE_URLS;

/** `createMinimax` settings; keys default to `MINIMAX_API_KEY`. */
export type MinimaxSettings = ProviderSettings<MinimaxRegion>;

export type MinimaxProvider = ProviderAdapter;

const minimaxDefinition = defineProvider({
  kind: 'minimax',
  baseURLs: {
    international: 'https://api.minimax.io/v1',
    mainland: 'https://api.minimaxi.com/v1',
    coding: 'https://api.minimax.io/v1',
  },
  models: catalogEntries as ModelCatalogEntry[],
  hooks: {
    includeStreamUsage: false, // MiniMax reports usage on the last chunk without being asked
    transformRequest: (body) => shapeMinimaxRequest(body) as typeof body,
    transformResponse: (raw, response, context) =>
      normalizeMinimaxResponse(raw, response, { provider: context.provider, model: context.model.id }),
    createChunkTransformer: (context) =>
      createMinimaxChunkNormalizer({ provider: context.provider, model: context.model.id }),
    errorStructure: minimaxErrorStructure,
  },
});

/** Each region's base URL, the catalog as data (no network), and the base URL a settings object resolves to. */
export const {
  baseURLs: MINIMAX_BASE_URLS,
  models: minimaxModels,
  resolveBaseURL: resolveMinimaxBaseURL,
} = minimaxDefinition;

/** A MiniMax adapter; keys and base URL are read on first use. */
export function createMinimax(settings: MinimaxSettings = {}): MinimaxProvider {
  return minimaxDefinition.create(settings);
}

/** The default instance: reads `MINIMAX_API_KEY` and `MINIMAX_BASE_URL` on first use. */
export const minimax: MinimaxProvider = createMinimax();
