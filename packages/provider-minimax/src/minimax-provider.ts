import {
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
import { mapMinimaxError } from './error-mapping.js';
import catalogEntries from './models.json' with { type: 'json' };
import { createMinimaxChunkNormaliser, normaliseMinimaxResponse } from './normalise.js';
import { shapeMinimaxRequest } from './request-shaping.js';

/** `coding` is accepted (the shared config allows it) and means `international`. */
export type MinimaxRegion = 'international' | 'mainland' | 'coding';

/** Default base URL of each MiniMax region. */
export const MINIMAX_BASE_URLS: Readonly<Record<MinimaxRegion, string>> = {
  international: 'https://api.minimax.io/v1',
  mainland: 'https://api.minimaxi.com/v1',
  coding: 'https://api.minimax.io/v1',
};

export interface MinimaxSettings {
  /** Default: `MINIMAX_API_KEY`. */
  apiKey?: string;
  /** Several keys, tried in order when the provider rejects one (wins over `apiKey`). */
  apiKeys?: readonly string[];
  /** Default: `MINIMAX_BASE_URL`, else the region's URL. An explicit `region` wins over `MINIMAX_BASE_URL`. */
  baseURL?: string;
  /** Default `international`. */
  region?: MinimaxRegion;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Instance id. Default `minimax`. */
  id?: ProviderId;
  /** Catalog additions or overrides (config `models`). */
  models?: readonly ModelOverride[];
  /** Where keys and URLs are read from. Default `process.env`. */
  env?: Env;
}

export type MinimaxProvider = ProviderAdapter;

/** The MiniMax catalog as data (no network). */
export const minimaxModels: readonly ModelCatalogEntry[] = catalogEntries as ModelCatalogEntry[];

export function resolveMinimaxBaseURL(settings: Pick<MinimaxSettings, 'baseURL' | 'region' | 'env'> = {}): string {
  return resolveBaseURL(settings, MINIMAX_BASE_URLS, providerBaseUrlEnv.minimax);
}

/** A MiniMax adapter. */
export function createMinimax(settings: MinimaxSettings = {}): MinimaxProvider {
  const env = settings.env ?? process.env;
  const id = settings.id ?? 'minimax';
  // Several keys (`apiKeys`, or comma-separated in the variable) rotate when the provider rejects one.
  const keys = settings.apiKeys ?? splitKeys(settings.apiKey ?? readEnv(env, providerKeyEnv.minimax));
  const apiKey = keys[0];
  return createOpenAICompatibleProvider({
    id,
    kind: 'minimax',
    baseURL: resolveMinimaxBaseURL(settings),
    ...(apiKey ? { apiKey } : {}),
    ...(keys.length > 1 ? { apiKeys: keys } : {}),
    ...(settings.headers ? { headers: settings.headers } : {}),
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    catalog: createModelCatalog(minimaxModels, settings.models ?? [], { provider: id }),
    includeStreamUsage: false, // MiniMax reports usage on the last chunk without being asked
    transformRequest: (body, context) =>
      shapeMinimaxRequest({ ...body, ...(context.request.provider_options ? { provider_options: safeProviderOptions(context.request.provider_options) } : {}) }) as typeof body,
    transformResponse: (raw, response, context) => normaliseMinimaxResponse(raw, response, { provider: context.provider, model: context.model.id }),
    createChunkTransformer: (context) => createMinimaxChunkNormaliser({ provider: context.provider, model: context.model.id }),
    errorMapper: (status, body, headers, context) => mapMinimaxError({ status, body, headers, provider: context.provider, model: context.model }),
  });
}

/** The default instance, created on first use from the environment. */
export const minimax: MinimaxProvider = lazyInstance(() => createMinimax());
