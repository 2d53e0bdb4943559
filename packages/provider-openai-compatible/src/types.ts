import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  GatewayError,
  ModelInfo,
  ProviderId,
  ProviderKind,
} from '@exai/core';
import type { ModelCatalog } from './model-catalog.js';

/** The JSON body sent to `POST {baseURL}/chat/completions`, after shaping. */
export type RequestBody = Record<string, unknown> & { model: string; messages: unknown[] };

/** A raw completion as the provider returned it (OpenAI shape plus whatever the provider adds). */
export type RawCompletion = Record<string, unknown>;

/** One raw SSE `data:` object as the provider sent it. */
export type RawChunk = Record<string, unknown>;

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
 * Stateful per-stream chunk normaliser: gets every raw chunk with its generic normalisation and
 * returns the chunks to emit (zero, one or several). `flush()` runs once at a clean end of stream
 * and may emit what was buffered (e.g. a half-seen `<think>` tag).
 */
export interface ChunkTransformer {
  (raw: RawChunk, chunk: ChatChunk): ChatChunk[];
  flush?(): ChatChunk[];
}

export interface ErrorContext {
  provider: ProviderId;
  model: string | undefined;
  /** The generic mapping's answer, for mappers that only want to refine it. */
  fallback: () => GatewayError;
}

/**
 * Maps a failed HTTP response (or an in-stream / in-body `error` object, with status 0 when the
 * HTTP status was 200) to a typed error. Return `undefined` to use the generic mapping.
 * `body` is the parsed JSON body (whole body, not only its `error` field), or its text.
 */
export type ErrorMapper = (
  status: number,
  body: unknown,
  headers: Headers,
  context: ErrorContext,
) => GatewayError | undefined;

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
  /** Refines a normalised non-stream response (reasoning, citations...). */
  transformResponse?: (raw: RawCompletion, response: ChatResponse, context: ResponseContext) => ChatResponse;
  /** Creates a fresh stateful chunk transformer for each stream. */
  createChunkTransformer?: (context: ResponseContext) => ChunkTransformer;
  /** The one per-provider error schema hook; falls back to the generic mapping. */
  errorMapper?: ErrorMapper;
  /** Whether the provider has the OpenAI files API (`/files`). Default false. */
  files?: boolean;
  /** Whether `listModels()` asks `GET /models`. Default true. */
  listModels?: boolean;
  /** Ask for usage on the last stream chunk (`stream_options.include_usage`). Default true. */
  includeStreamUsage?: boolean;
}
