import type {
  BreakerState,
  ChatChunk,
  ChatResponse,
  Cost,
  EmbeddingResponse,
  GatewayConfig,
  Logger,
  ModelInfo,
  ProviderAdapter,
  ResumePoint,
  Tracer,
  TraceSpan,
  Usage,
} from '@exai/core';
import type { OwnerScope, Store } from '@exai/store';
import type { CredentialHold } from './credential-holds.js';
import type { AutoRequirements } from './resolve.js';
import type { RouteAttempt } from './route-types.js';
import type { BudgetMeta } from './spend.js';

export interface EngineCallOptions {
  signal?: AbortSignal;
  requestId?: string;
  /** Requirements for `auto` routing. */
  auto?: AutoRequirements;
  /** Store the exchange in a conversation thread even without a `continuation_id` (MCP tools do). */
  remember?: boolean;
  /**
   * With `continuation_id`: put the thread's history in the prompt but store nothing (each consensus
   * participant reads the thread; the tool stores the whole exchange once, with `Engine.remember`).
   */
  historyOnly?: boolean;
  /** Which tool or route made the call, stored with the turn. */
  tool?: string;
  /** Local files already read into the prompt, stored with the user turn. */
  files?: string[];
  /** Who called (an API key id), for the request log; the log's rows belong to `scope`'s owner. */
  caller?: string;
  /**
   * The tenant the conversation belongs to: `continuation_id` finds only its threads (another
   * tenant's id is unknown), and a new thread is created for it. Required with `continuation_id`
   * or `remember`; the engine refuses those without it rather than guess.
   */
  scope?: OwnerScope;
  /** Route label for the request log and metrics (e.g. `/v1/chat/completions`). */
  route?: string;
  /** The caller's span (the gateway's request span): the engine's span is its child. Only with a tracer. */
  span?: TraceSpan;
  /** The caller's W3C trace id (its `traceparent`), stored in the request log row; with or without a tracer. */
  traceId?: string;
}

/** One question and its answer, stored as a user and an assistant turn (`Engine.remember`). */
export interface Exchange {
  /** The thread to append to; a new thread when undefined. */
  threadId?: string;
  /** A new thread's title (first 80 characters). Default: the question. */
  title?: string;
  question: string;
  answer: string;
  provider: string;
  model: string;
  /** The tool or route that asked, stored with both turns. */
  tool?: string;
  files?: string[];
  usage?: Usage;
}

/** What every answer carries besides the OpenAI fields. */
export interface EngineMeta {
  requestId: string;
  provider: string;
  model: string;
  attempts: RouteAttempt[];
  /** True when a fallback, not the first target, answered. */
  fellBack: boolean;
  continuationId?: string;
  /** True when the answer came from the built-in simulator (no provider key configured). */
  simulated: boolean;
  usage?: Usage;
  /** Set when the response cache applied to the call: `hit` (no upstream attempt, nothing spent) or `miss`. */
  cache?: 'hit' | 'miss';
  /** What the call cost over all its attempts (set when it ends). */
  cost?: Cost;
  /** The caller's budget after the call, when its key has one. */
  budget?: BudgetMeta;
  /** A stream that broke after it started and was continued: who continued it, from which content character. */
  resumed?: ResumePoint[];
}

export interface EngineChatResult extends ChatResponse {
  exai: EngineMeta;
}

export interface EngineEmbeddingResult extends EmbeddingResponse {
  exai: EngineMeta;
}

export interface EngineStream extends AsyncIterable<ChatChunk> {
  /** Filled in as the stream runs; complete once iteration ends. */
  readonly meta: EngineMeta;
}

/** What status surfaces (tools, /readyz, the dashboard) may show: names, states and counts; never URLs or keys. */
export interface ProviderStatus {
  id: string;
  kind: string;
  simulated: boolean;
  /**
   * The provider as a whole: its provider breaker's state, or `open` when every model breaker of it that
   * has seen traffic is open (nothing it was asked for is served).
   */
  breaker: BreakerState;
  /** Model breakers of this provider that are not closed (a 429 storm or a `Retry-After` hold on one model). */
  models: ModelBreakerStatus[];
  inFlight: number;
  queued: number;
  /** Keys the adapter rotates through, and how many of them the provider rejected (held out). */
  keys: number;
  heldKeys: number;
}

/** One model breaker of a provider, by model and (with several provider keys) the key's position. */
export interface ModelBreakerStatus {
  model: string;
  /** 1-based provider key position, for providers with several keys. */
  key?: number;
  state: BreakerState;
  /** Epoch ms until which a rate limit's `Retry-After` holds the model. */
  heldUntil?: number;
}

/** Every breaker: `provider` scope (`glm`) or `model` scope (`glm/glm-4.6`, `glm/glm-4.6#2` per key). */
export interface BreakerStatus {
  key: string;
  scope: 'provider' | 'model';
  provider: string;
  model?: string;
  keyIndex?: number;
  state: BreakerState;
}

export interface EngineStatus {
  simulated: boolean;
  providers: ProviderStatus[];
  breakers: BreakerStatus[];
  sessions: {
    inFlight: number;
    queued: number;
    totals: Record<string, number>;
    latencyMs: { p50: number; p95: number; p99: number };
  };
  store: { kind: 'sqlite' | 'postgres'; shared: 'redis' | 'memory' | 'primary' };
  /** Provider keys held out because the provider rejected them (by position, never the key). */
  credentials: CredentialHold[];
  /** Rejections of the gateway's own provider keys since start, per provider. */
  credentialFailures: Record<string, number>;
}

export interface EngineOptions {
  config: GatewayConfig;
  /** The providers to route over (`buildAdapters(config)`, or `simulatedAdapters` in first-run mode). */
  adapters: readonly ProviderAdapter[];
  /** The store the composition root opened (`openStore(config)`); it also closes it, after the engine. */
  store: Store;
  /** The adapters serve the built-in simulator: answers, models and status say `simulated`. */
  simulated?: boolean;
  logger?: Logger;
  /** Instance id used for shared state across instances. */
  instanceId?: string;
  random?: () => number;
  /** Spans for every call and attempt (the app wires OpenTelemetry behind it); none when undefined. */
  tracer?: Tracer;
}
export type { ModelInfo };
