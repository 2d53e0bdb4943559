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
import { mapKimiError } from './error-mapping.js';
import { withDefaultPurpose } from './files.js';
import catalogEntries from './models.json' with { type: 'json' };
import { normaliseKimiChunk, normaliseKimiResponse } from './normalise.js';
import { shapeKimiRequest } from './request-shaping.js';

/** `coding` is accepted (the shared config allows it) and means `international`. */
export type KimiRegion = 'international' | 'mainland' | 'coding';

/** Default base URL of each Kimi region. */
export const KIMI_BASE_URLS: Readonly<Record<KimiRegion, string>> = {
  international: 'https://api.moonshot.ai/v1',
  mainland: 'https://api.moonshot.cn/v1',
  coding: 'https://api.moonshot.ai/v1',
};

export interface KimiSettings {
  /** Default: `KIMI_API_KEY`, then `MOONSHOT_API_KEY`. */
  apiKey?: string;
  /** Several keys, tried in order when the provider rejects one (wins over `apiKey`). */
  apiKeys?: readonly string[];
  /** Default: `KIMI_BASE_URL`, else the region's URL. An explicit `region` wins over `KIMI_BASE_URL`. */
  baseURL?: string;
  /** Default `international`. */
  region?: KimiRegion;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Instance id. Default `kimi`. */
  id?: ProviderId;
  /** Catalog additions or overrides (config `models`). */
  models?: readonly ModelOverride[];
  /** Where keys and URLs are read from. Default `process.env`. */
  env?: Env;
}

/** A Kimi adapter always has the files API (uploads default to `purpose: 'file-extract'`). */
export interface KimiProvider extends ProviderAdapter {
  readonly files: NonNullable<ProviderAdapter['files']>;
}

/** The Kimi catalog as data (no network). */
export const kimiModels: readonly ModelCatalogEntry[] = catalogEntries as ModelCatalogEntry[];

export function resolveKimiBaseURL(settings: Pick<KimiSettings, 'baseURL' | 'region' | 'env'> = {}): string {
  return resolveBaseURL(settings, KIMI_BASE_URLS, providerBaseUrlEnv.kimi);
}

/** A Kimi (Moonshot AI) adapter. */
export function createKimi(settings: KimiSettings = {}): KimiProvider {
  const env = settings.env ?? process.env;
  const id = settings.id ?? 'kimi';
  // Several keys (`apiKeys`, or comma-separated in the variable) rotate when the provider rejects one.
  const keys = settings.apiKeys ?? splitKeys(settings.apiKey ?? readEnv(env, providerKeyEnv.kimi));
  const apiKey = keys[0];
  const base = createOpenAICompatibleProvider({
    id,
    kind: 'kimi',
    baseURL: resolveKimiBaseURL(settings),
    ...(apiKey ? { apiKey } : {}),
    ...(keys.length > 1 ? { apiKeys: keys } : {}),
    ...(settings.headers ? { headers: settings.headers } : {}),
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    catalog: createModelCatalog(kimiModels, settings.models ?? [], { provider: id }),
    includeStreamUsage: false, // Kimi reports usage in the last chunk's choice; lifted by normaliseKimiChunk
    files: true,
    transformRequest: (body, context) =>
      shapeKimiRequest({ ...body, ...(context.request.provider_options ? { provider_options: safeProviderOptions(context.request.provider_options) } : {}) }) as typeof body,
    transformResponse: (raw, response) => normaliseKimiResponse(raw, response),
    createChunkTransformer: () => (raw, chunk) => [normaliseKimiChunk(raw, chunk)],
    errorMapper: (status, body, headers, context) => mapKimiError({ status, body, headers, provider: context.provider, model: context.model }),
  });
  if (!base.files) throw new TypeError('provider-kimi: the base adapter did not create a files API');
  return { ...base, files: withDefaultPurpose(base.files, 'file-extract') };
}

/** The default instance, created on first use from the environment. */
export const kimi: KimiProvider = lazyInstance(() => createKimi());
