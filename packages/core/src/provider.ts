import type { ProviderKind } from './config.js';
import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  Citation,
  EmbeddingRequest,
  EmbeddingResponse,
  FileObject,
  ModelInfo,
  ProviderId,
} from './types.js';

/** Per-call options every adapter accepts. */
export interface CallOptions {
  /** Aborting tears down the upstream HTTP request. */
  signal?: AbortSignal;
  /** Extra request headers for this call only. */
  headers?: Record<string, string>;
  /**
   * Which of the adapter's keys to send (`0` .. `keyCount - 1`), for adapters configured with several
   * keys. Default 0. The engine's credential holds choose it: a key the provider rejected is skipped.
   */
  keyIndex?: number;
}

export interface FileUpload {
  filename: string;
  data: Uint8Array;
  purpose?: string;
  contentType?: string;
}

/** A provider's files API, where it has one (OpenAI, GLM, Kimi). */
export interface FilesApi {
  upload(file: FileUpload, options?: CallOptions): Promise<FileObject>;
  list(options?: CallOptions): Promise<FileObject[]>;
  get(id: string, options?: CallOptions): Promise<FileObject>;
  delete(id: string, options?: CallOptions): Promise<{ id: string; deleted: boolean }>;
  /** The file's content as the provider returns it (Kimi: extracted text). */
  content(id: string, options?: CallOptions): Promise<string>;
}

export interface WebSearchOptions extends CallOptions {
  count?: number;
  recency?: 'oneDay' | 'oneWeek' | 'oneMonth' | 'oneYear' | 'noLimit';
}

/** The one interface the engine sees for every provider. */
export interface ProviderAdapter {
  /** Instance id, unique in a gateway (e.g. `glm`, `openrouter`). */
  readonly id: ProviderId;
  readonly kind: ProviderKind;
  readonly baseURL: string;
  /** How many keys the adapter rotates through (`CallOptions.keyIndex`); 1 when it has one key or none. */
  readonly keyCount?: number;
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResponse>;
  /** Normalized chunks; throws `stream_interrupted` on a cut or malformed stream, never ends silently truncated. */
  stream(request: ChatRequest, options?: CallOptions): AsyncIterable<ChatChunk>;
  /** The catalog merged with the provider's `/models`. */
  listModels(options?: CallOptions): Promise<ModelInfo[]>;
  /** Catalog lookup by id or alias; an unknown id resolves with conservative defaults (`inferred: true`). */
  resolveModel(id: string): ModelInfo;
  /** The static catalog (no network). */
  catalog(): ModelInfo[];
  readonly files?: FilesApi;
  webSearch?(query: string, options?: WebSearchOptions): Promise<Citation[]>;
  /** Float embeddings, where the provider has an embeddings API (OpenAI, GLM). */
  embed?(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResponse>;
}
