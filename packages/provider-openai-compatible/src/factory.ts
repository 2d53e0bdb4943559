import {
  type ChatChunk,
  type ChatResponse,
  type Env,
  type ModelOverride,
  type ProviderAdapter,
  type ProviderId,
  type ProviderKind,
  providerBaseUrlEnv,
  providerKeyEnv,
  readEnv,
  registerSecret,
  splitKeys,
} from '@exai/core';
import { resolveBaseURL } from './base-url.js';
import { createModelCatalog, type ModelCatalogEntry } from './model-catalog.js';
import { createOpenAICompatibleProvider } from './provider.js';
import type { ProviderErrorStructure } from './provider-error.js';
import type { RawChunk, RawCompletion } from './schemas.js';
import type { ChunkTransformer, OpenAICompatibleSettings } from './types.js';

/** What every thin provider factory (`createGlm`, `createKimi`, `createMinimax`) accepts. */
export interface ProviderSettings<Region extends string = string> {
  /** Default: the provider's key variable(s), read on first use (comma-separated values give several keys). */
  apiKey?: string;
  /** Several keys, tried in order when the provider rejects one (wins over `apiKey`). */
  apiKeys?: readonly string[];
  /**
   * Default: the provider's `*_BASE_URL` variable, else the region's URL. An explicit `region` wins over the variable.
   */
  baseURL?: string;
  /** Default `international`. */
  region?: Region;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Instance id. Default: the provider's kind (`glm`, `kimi`, `minimax`). */
  id?: ProviderId;
  /** Catalog additions or overrides (config `models`). */
  models?: readonly ModelOverride[];
  /** Where keys and URLs are read from. Default `process.env`. */
  env?: Env;
}

/**
 * The one key rule: `apiKeys`, else `apiKey`, else the first set variable of `envNames` (a
 * comma-separated value gives several keys). Like vercel/ai's `loadApiKey`, but several keys and no throw:
 * without a key no Authorization header is sent (local servers).
 */
export function loadApiKeys(
  settings: { apiKey?: string | undefined; apiKeys?: readonly string[] | undefined; env?: Env | undefined },
  envNames: readonly string[],
): string[] {
  if (settings.apiKeys) return [...settings.apiKeys];
  return splitKeys(settings.apiKey ?? readEnv(settings.env ?? process.env, envNames));
}

/** The hooks a thin provider adds to the base (see `OpenAICompatibleSettings`). */
export type ProviderHooks = Pick<
  OpenAICompatibleSettings,
  | 'transformRequest'
  | 'transformResponse'
  | 'createChunkTransformer'
  | 'errorStructure'
  | 'includeStreamUsage'
  | 'files'
  | 'embeddings'
  | 'filePurpose'
  | 'providerOptionsLast'
>;

/** What a thin provider's extension gets: the built adapter and what it was built from. */
export interface BuiltProvider {
  adapter: ProviderAdapter;
  id: ProviderId;
  baseURL: string;
  keys: readonly string[];
}

/** One thin provider, as data: where its keys and URLs come from, its catalog and its hooks. */
export interface ProviderDefinition<Region extends string> {
  /** Also names the key variables (`providerKeyEnv`) and the base URL variable (`providerBaseUrlEnv`) in core. */
  kind: Exclude<ProviderKind, 'openai-compatible'>;
  baseURLs: Readonly<Record<Region, string>> & { international: string };
  models: readonly ModelCatalogEntry[];
  hooks: ProviderHooks;
}

/**
 * A ProviderAdapter whose real adapter is built on first use, so creating one (or importing a default
 * instance) reads no environment variable and opens nothing. A plain object of delegating members (no
 * Proxy): `id` and `kind` are known up front, everything else asks the built adapter.
 */
export function deferredAdapter(
  id: ProviderId,
  kind: ProviderKind,
  build: () => ProviderAdapter,
  members: { embeddings?: boolean | undefined } = {},
): ProviderAdapter {
  let built: ProviderAdapter | undefined;
  const adapter = (): ProviderAdapter => {
    built ??= build();
    return built;
  };
  return {
    id,
    kind,
    get baseURL() {
      return adapter().baseURL;
    },
    get keyCount() {
      return adapter().keyCount;
    },
    get files() {
      return adapter().files;
    },
    chat: (request, options) => adapter().chat(request, options),
    stream: (request, options) => adapter().stream(request, options),
    listModels: (options) => adapter().listModels(options),
    resolveModel: (modelId) => adapter().resolveModel(modelId),
    catalog: () => adapter().catalog(),
    // Known up front (the engine asks whether a provider embeds before it builds anything).
    ...(members.embeddings ? { embed: (request, options) => adapter().embed!(request, options) } : {}),
  } satisfies ProviderAdapter;
}

/**
 * The one factory of the thin providers: keys (`loadApiKeys`) and base URL (`resolveBaseURL`) read on
 * first use, the provider's catalog with the caller's overrides, its hooks on the base adapter, and
 * `provider_options` merged last (`providerOptionsLast`) unless the hooks say otherwise.
 * `extend` adds provider-only members (GLM's `webSearch`) from the built adapter.
 */
export function createProvider<Region extends string, Extra extends object = object>(
  definition: ProviderDefinition<Region>,
  settings: ProviderSettings<Region>,
  extend?: (built: () => BuiltProvider) => Extra,
): ProviderAdapter & Extra {
  const id = settings.id ?? definition.kind;
  // Keys given in code are secrets from the start (log redaction), not only once the adapter is built.
  for (const key of settings.apiKeys ?? splitKeys(settings.apiKey)) registerSecret(key);
  let built: BuiltProvider | undefined;
  const build = (): BuiltProvider => {
    if (built) return built;
    const keys = loadApiKeys(settings, providerKeyEnv[definition.kind]);
    const baseURL = resolveBaseURL(settings, definition.baseURLs, providerBaseUrlEnv[definition.kind]);
    const adapter = createOpenAICompatibleProvider({
      providerOptionsLast: true,
      ...definition.hooks,
      id,
      kind: definition.kind,
      baseURL,
      apiKeys: keys,
      ...(settings.headers ? { headers: settings.headers } : {}),
      ...(settings.fetch ? { fetch: settings.fetch } : {}),
      catalog: createModelCatalog(definition.models, settings.models ?? [], { provider: id }),
    });
    built = { adapter, id, baseURL: adapter.baseURL, keys };
    return built;
  };
  const adapter = deferredAdapter(id, definition.kind, () => build().adapter, {
    embeddings: definition.hooks.embeddings,
  });
  // Descriptors, not values: an extension's getters stay getters (nothing is built before first use).
  return Object.defineProperties(adapter, Object.getOwnPropertyDescriptors(extend?.(build) ?? {})) as ProviderAdapter &
    Extra;
}

/** A thin provider defined once: its data, the base-URL rule bound to it, and its factory. */
export interface ThinProvider<Region extends string> {
  /** Default base URL of each region. */
  readonly baseURLs: ProviderDefinition<Region>['baseURLs'];
  /** The catalog as data (no network). */
  readonly models: readonly ModelCatalogEntry[];
  /** `resolveBaseURL` with this provider's URLs and `*_BASE_URL` variable. */
  resolveBaseURL(settings?: Pick<ProviderSettings<Region>, 'baseURL' | 'region' | 'env'>): string;
  /** `createProvider` with this definition. */
  create<Extra extends object = object>(
    settings: ProviderSettings<Region>,
    extend?: (built: () => BuiltProvider) => Extra,
  ): ProviderAdapter & Extra;
}

/** The one shape of `createGlm`, `createKimi` and `createMinimax`: a definition, and what follows from it. */
export function defineProvider<Region extends string>(definition: ProviderDefinition<Region>): ThinProvider<Region> {
  return {
    baseURLs: definition.baseURLs,
    models: definition.models,
    resolveBaseURL: (settings = {}) =>
      resolveBaseURL(settings, definition.baseURLs, providerBaseUrlEnv[definition.kind]),
    create: (settings, extend) => createProvider(definition, settings, extend),
  };
}

/** A chunk transformer factory for a stateless per-chunk normalizer (one chunk in, one out). */
export function eachChunk(normalize: (raw: RawChunk, chunk: ChatChunk) => ChatChunk): () => ChunkTransformer {
  return () => (raw, chunk) => [normalize(raw, chunk)];
}

/** A provider that differs from the base by pure functions only (GLM, Kimi): its request, response and chunks. */
export interface StatelessDialect {
  /** Drops and renames body fields the provider does not take. */
  shapeRequest: (body: Record<string, unknown>) => Record<string, unknown>;
  normalizeResponse: (raw: RawCompletion, response: ChatResponse) => ChatResponse;
  /** One chunk in, one out (no state across a stream). */
  normalizeChunk: (raw: RawChunk, chunk: ChatChunk) => ChatChunk;
  errorStructure: ProviderErrorStructure<unknown>;
}

/**
 * The hooks of a {@link StatelessDialect}, plus `extra` (files, embeddings, ...). `includeStreamUsage` is off:
 * these providers report usage on their last chunk unasked (GLM rejects `stream_options`; Kimi puts it in the
 * last chunk's choice, which its chunk normalizer lifts).
 */
export function statelessHooks(dialect: StatelessDialect, extra: ProviderHooks = {}): ProviderHooks {
  return {
    includeStreamUsage: false,
    transformRequest: (body) => dialect.shapeRequest(body) as typeof body,
    transformResponse: dialect.normalizeResponse,
    createChunkTransformer: eachChunk(dialect.normalizeChunk),
    errorStructure: dialect.errorStructure,
    ...extra,
  };
}
