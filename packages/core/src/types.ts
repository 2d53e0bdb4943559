/**
 * The gateway's vocabulary: an OpenAI-compatible superset for chat requests, responses and
 * stream chunks, plus model information. Every adapter speaks these types.
 */

export type ProviderId = 'openai' | 'glm' | 'kimi' | 'minimax' | (string & {});

export type Role = 'system' | 'user' | 'assistant' | 'tool';

/**
 * One turn of a conversation as the gateway remembers it: what the engine packs into a prompt's
 * history and what the store's turn records carry (they add the thread, position and time).
 */
export interface Turn {
  role: Role;
  content: string;
  /**
   * The gateway tool that produced the turn (e.g. `chat`, `consensus`), or the tool whose result a `tool` turn holds.
   */
  tool?: string | null;
  /** The model and provider that produced an assistant turn. */
  model?: string | null;
  provider?: string | null;
  /** Files attached to the turn. */
  files?: string[];
}

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export type ContentPart = TextPart | ImagePart;

export interface ToolCall {
  id: string;
  type: 'function' | 'builtin_function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  content: string | ContentPart[] | null;
  name?: string;
  /** Reasoning the model produced; carried back where a provider needs it (MiniMax, Kimi thinking). */
  reasoning_content?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  /** Kimi partial mode: continue this assistant message. */
  partial?: boolean;
}

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    /** OpenAI's structured-outputs flag; `null` as OpenAI's own type allows. */
    strict?: boolean | null;
  };
}

/** A provider built-in tool: GLM `web_search`, Kimi `$web_search` and the like. */
export interface BuiltinTool {
  type: 'web_search' | 'builtin_function' | 'retrieval';
  [key: string]: unknown;
}

export type Tool = FunctionTool | BuiltinTool;

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ThinkingOption {
  type: 'enabled' | 'disabled';
  budget_tokens?: number;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; json_schema?: unknown };
  tools?: Tool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  user?: string;
  /** Gateway extension: turn a provider's thinking mode on or off. */
  thinking?: ThinkingOption;
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Gateway extension: an ordered fallback list (OpenRouter style). */
  models?: string[];
  /** Gateway extension: continue a stored conversation thread. */
  continuation_id?: string;
  /** Provider-specific fields passed through after shaping. */
  provider_options?: Record<string, unknown>;
  /** Gateway extension: per-request options of the gateway itself. */
  exai?: ExaiRequestOptions;
}

/** `exai: {...}` on a chat request: what the gateway does for this request. */
export interface ExaiRequestOptions {
  /** Continue a text stream that broke after it started on the next target (default true). */
  resume?: boolean;
}

/** Where a continued answer changed hands: who continued it, from which character of the content. */
export interface ResumePoint {
  provider: ProviderId;
  model: string;
  /** Characters (code points) of content the caller had before this target's text. */
  at_char: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  reasoning_tokens?: number;
  cached_tokens?: number;
}

export interface Citation {
  url: string;
  title?: string;
  snippet?: string;
  source?: string;
  published?: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | (string & {});

export interface ChatChoice {
  index: number;
  message: ChatMessage;
  finish_reason: FinishReason | null;
  /** The request's stop sequence that ended the answer, when the provider says which (vLLM's `stop_reason`). */
  stop_sequence?: string;
}

export interface ChatResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  /** The model that actually answered (after aliasing and fail-over). */
  model: string;
  /** The provider that actually answered. */
  provider: ProviderId;
  choices: ChatChoice[];
  usage?: Usage;
  citations?: Citation[];
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function' | 'builtin_function';
  function?: { name?: string; arguments?: string };
}

export interface ChatChunkDelta {
  role?: Role;
  content?: string;
  reasoning_content?: string;
  tool_calls?: ToolCallDelta[];
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  provider: ProviderId;
  choices: Array<{ index: number; delta: ChatChunkDelta; finish_reason: FinishReason | null; stop_sequence?: string }>;
  /** Present on the final chunk when the provider reports usage. */
  usage?: Usage;
  citations?: Citation[];
}

export interface ModelCapabilities {
  tools: boolean;
  vision: boolean;
  thinking: boolean;
  streaming: boolean;
  webSearch: boolean;
  files: boolean;
  /** An embedding model: served by `embed` (`POST /v1/embeddings`), never chosen for chat by `auto`. */
  embeddings?: boolean;
}

/** `POST /embeddings` as the gateway sends it: text (or token ids) in, float vectors out. */
export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  dimensions?: number;
  user?: string;
}

export interface Embedding {
  object: 'embedding';
  index: number;
  embedding: number[];
}

export interface EmbeddingResponse {
  object: 'list';
  data: Embedding[];
  /** The model that answered. */
  model: string;
  provider: ProviderId;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface ModelInfo {
  id: string;
  provider: ProviderId;
  contextWindow: number;
  maxOutput: number;
  capabilities: ModelCapabilities;
  aliases?: string[];
  /** Task category used by `auto` routing; also sets the default first-token limit of a stream. */
  tier?: 'fast' | 'balanced' | 'deep';
  /**
   * True when the model continues a final assistant message (prefill; Kimi's partial mode), which is
   * how a broken stream is continued on it; otherwise a continuation is asked for in words.
   */
  prefill?: boolean;
  /** The first-token limit of a stream on this model, overriding the tier's default. */
  firstTokenMs?: number;
  /** True when the id is not in the catalog and conservative defaults were applied. */
  inferred?: boolean;
  /** True when the model is served by the built-in simulator. */
  simulated?: boolean;
  description?: string;
  /** Prices per million tokens (catalog, overridable per model in the configuration). */
  pricing?: ModelPricing;
}

/** What a model costs, per million tokens. */
export interface ModelPricing {
  input: number;
  /** Prompt tokens the provider served from its own context cache; default: the input price. */
  cachedInput?: number;
  output: number;
  /** ISO 4217 code. Default `USD`. */
  currency?: string;
  /** True when the figures are the project's estimate, not taken from the provider's price list. */
  estimate?: boolean;
}

export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status?: string;
  provider?: ProviderId;
}
