import type { ChatChunk, ChatRequest, ChatResponse, ModelInfo, ProviderId, ProviderKind } from '@exai/core';
import type { ModelCatalog } from './model-catalog.js';
import type { ProviderErrorStructure } from './provider-error.js';
import type { RawChunk, RawCompletion } from './schemas.js';

/** The JSON body sent to `POST {baseURL}/chat/completions`, after shaping. */
export type RequestBody = Record<string, unknown> & { model: string; messages: unknown[] };

export interface RequestContext {
  /** The adapter instance id (e.g. `openai`, `openrouter`). */
  provider: ProviderId;
  /** The resolved catalog entry (or inferred defaults) for the requested model. */
  model: ModelInfo;
  /** True for `stream()`. */
  stream: boolean;
  /** The caller's request as given (before shaping). */
  request: ChatRequest;
}

export interface ResponseContext {
  provider: ProviderId;
  model: ModelInfo;
  request: ChatRequest;
}

/**
 * Stateful per-stream chunk normalizer: gets every parsed chunk (`chunkSchema`) with its generic normalization and
 * returns the chunks to emit (zero, one or several). `flush()` runs once at a clean end of stream
 * and may emit what was buffered (e.g. a half-seen `<think>` tag).
 */
export interface ChunkTransformer {
  (raw: RawChunk, chunk: ChatChunk): ChatChunk[];
  flush?(): ChatChunk[];
}

export interface OpenAICompatibleSettings {
  /** Instance id, unique in a gateway (`openai`, `openrouter`, `glm`...). Stamped on responses and errors. */
  id: ProviderId;
  /** Provider kind, default `openai-compatible`. */
  kind?: ProviderKind;
  /** Base URL up to (not including) `/chat/completions`, e.g. `https://api.openai.com/v1`. Required. */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`; when absent no Authorization header is sent. */
  apiKey?: string;
  /**
   * Several keys for one provider, rotated per call with `CallOptions.keyIndex` (the engine skips a key
   * the provider rejected). Wins over `apiKey`.
   */
  apiKeys?: readonly string[];
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A custom fetch (tests, proxies). Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** The model catalog (see `createModelCatalog`). Default: empty (every id inferred). */
  catalog?: ModelCatalog;
  /**
   * The one request-shaping hook: gets the body after the generic shaping (gateway-only fields
   * removed, model resolved, stream options set) and returns the body to send.
   */
  transformRequest?: (body: RequestBody, context: RequestContext) => RequestBody;
  /** Refines a normalized non-stream response (reasoning, citations...). */
  transformResponse?: (raw: RawCompletion, response: ChatResponse, context: ResponseContext) => ChatResponse;
  /** Creates a fresh stateful chunk transformer for each stream. */
  createChunkTransformer?: (context: ResponseContext) => ChunkTransformer;
  /**
   * The provider's error body: schema, message and code table (see `ProviderErrorStructure`).
   * Default `openAICompatibleErrorStructure`; the status classifier decides what the table leaves open.
   */
  errorStructure?: ProviderErrorStructure<unknown>;
  /** Whether the provider has the OpenAI files API (`/files`). Default false. */
  files?: boolean;
  /** Whether the provider has the OpenAI embeddings API (`POST /embeddings`). Default false. */
  embeddings?: boolean;
  /** The `purpose` of uploads that name none. Default `assistants`. */
  filePurpose?: string;
  /**
   * Merge `provider_options` again after `transformRequest`, so the hook's drops and renames never undo
   * what the caller asked for (a newer upstream field the hook does not know). Default false: they are
   * merged before the hook only (see `prepareRequestBody`), and the hook may adjust them.
   */
  providerOptionsLast?: boolean;
  /** Whether `listModels()` asks `GET /models`. Default true. */
  listModels?: boolean;
  /** Ask for usage on the last stream chunk (`stream_options.include_usage`). Default true. */
  includeStreamUsage?: boolean;
}
