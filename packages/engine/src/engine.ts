import { randomUUID } from 'node:crypto';
import { type BreakerRegistry, type BreakerStateListener, createBreakerRegistry } from '@exai/circuit-breakers';
import {
  assertProviderOptions,
  type ChatChunk,
  type ChatRequest,
  createLogger,
  type EmbeddingRequest,
  type GatewayConfig,
  type Logger,
  type ModelInfo,
  NotFoundError,
  ownValue,
  type ProviderAdapter,
  StoreUnavailableError,
  type Turn,
} from '@exai/core';
import { createSessionManager, type SessionListener, type SessionManager } from '@exai/session-manager';
import type { OwnerScope, Store } from '@exai/store';
import { buildChain } from './chain.js';
import { runConsensus } from './consensus.js';
import { CredentialHolds } from './credential-holds.js';
import { embeddingTargets, routeEmbeddings } from './embeddings.js';
import type {
  EngineCallOptions,
  EngineChatResult,
  EngineEmbeddingResult,
  EngineMeta,
  EngineOptions,
  EngineStatus,
  EngineStream,
  Exchange,
} from './engine-types.js';
import { createExecutor } from './executor.js';
import { scopeOf, storeExchange, textOf, withHistory } from './memory.js';
import { metaOf } from './meta.js';
import { RequestLog } from './request-log.js';
import { ModelResolver, type Target } from './resolve.js';
import { RetryBudget } from './retry-budget.js';
import type { RouteOptions, RouteState } from './route-types.js';
import { type RouterDeps, routeChat } from './router.js';
import { engineStatus } from './status.js';
import { routeStream } from './stream-router.js';

export type ConsensusInput = Omit<Parameters<typeof runConsensus>[0], 'ask'> & { signal?: AbortSignal };

/**
 * The gateway's one entry point, used by both apps. Its parts (store, breakers, sessions, resolver)
 * are private: callers get what they need through the methods and events below, and the store
 * from the composition root that built it.
 */
export class Engine {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** True when the adapters serve the built-in simulator (first-run mode): every answer says so. */
  readonly simulated: boolean;
  // TypeScript-private fields, not `#`: tests observe the engine through a Proxy, whose calls
  // reach methods with the proxy as `this`.
  private readonly breakers: BreakerRegistry;
  private readonly sessions: SessionManager;
  private readonly resolver: ModelResolver;
  private readonly store: Store;
  private readonly credentials: CredentialHolds;
  readonly #deps: RouterDeps;
  readonly #requestLog: RequestLog;

  constructor(
    config: GatewayConfig,
    adapters: readonly ProviderAdapter[],
    store: Store,
    options: { logger: Logger; simulated?: boolean; instanceId?: string; random?: () => number },
  ) {
    this.config = config;
    this.logger = options.logger;
    this.store = store;
    this.simulated = options.simulated ?? false;
    this.#requestLog = new RequestLog(store, options.logger);
    this.resolver = new ModelResolver(adapters, config, options.random);
    this.breakers = createBreakerRegistry({
      defaults: config.breaker,
      ...(config.store.redisUrl ? { shared: store.shared.breakers } : {}),
      ...(options.instanceId ? { instanceId: options.instanceId } : {}),
      // Redis being unavailable is logged once per outage by the store; breakers then decide locally.
      onError: (error, context) => {
        if (!StoreUnavailableError.isInstance(error))
          this.logger.warn({ err: error, ...context }, 'shared breaker state failed');
      },
    });
    this.credentials = new CredentialHolds({
      holdMs: config.breaker.credentialHoldMs,
      shared: store.shared.breakers,
      probes: store.shared.semaphore,
      logger: options.logger,
      instanceId: options.instanceId ?? randomUUID(),
    });
    const perProvider: Record<string, number> = { default: config.concurrency.perProvider };
    for (const [id, provider] of Object.entries(config.providers))
      if (provider.maxConcurrency) perProvider[id] = provider.maxConcurrency;
    this.sessions = createSessionManager({
      global: config.concurrency.global,
      perProvider,
      perConversation: config.concurrency.perConversation,
      maxQueue: config.concurrency.maxQueue,
      defaultTimeoutMs: config.timeouts.requestMs,
    });
    const executor = createExecutor({
      config,
      sessions: this.sessions,
      breakers: this.breakers,
      credentials: this.credentials,
      slots: config.store.redisUrl ? store.shared.semaphore : undefined,
      logger: options.logger,
    });
    this.#deps = { executor, budget: new RetryBudget({ ratio: config.retry.budgetRatio }) };
  }

  /** Resolves a model name into the ordered targets a request would try (fallbacks included). */
  chain(
    request: Pick<ChatRequest, 'model' | 'models'>,
    options: EngineCallOptions = {},
    preferProvider?: string | null,
  ): Target[] {
    return buildChain(this.resolver, this.config, this.logger, request, options.auto, preferProvider);
  }

  #routeOptions(
    requestId: string,
    request: Pick<ChatRequest, 'model'>,
    options: EngineCallOptions,
    conversationId?: string,
  ): RouteOptions {
    const hedgeMs = ownValue(this.config.hedging, request.model);
    return {
      requestId,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(conversationId ? { conversationId } : {}),
      timeouts: this.config.timeouts,
      retry: this.config.retry,
      maxAttemptsPerRequest: this.config.retry.maxAttemptsPerRequest,
      ...(hedgeMs ? { hedgeMs } : {}),
    };
  }

  async #prepare(request: ChatRequest, options: EngineCallOptions) {
    const requestId = options.requestId ?? randomUUID();
    assertProviderOptions(request.provider_options);
    let thread: { id: string; provider?: string | null } | undefined;
    let turns: Turn[] = [];
    // Checked before any provider call: an answer that cannot be remembered is not asked for.
    if (options.remember) scopeOf(options);
    if (request.continuation_id) {
      const scope = scopeOf(options);
      thread = await this.store.getThread(scope, request.continuation_id);
      if (!thread) {
        throw new NotFoundError({
          message: `Conversation '${request.continuation_id}' does not exist or has expired; start a new one without continuation_id`,
          param: 'continuation_id',
        });
      }
      turns = await this.store.listTurns(scope, thread.id, { limit: this.config.store.maxTurns });
    }
    const chain = this.chain(request, options, thread?.provider);
    const shaped = turns.length > 0 ? withHistory(request, turns, chain[0]!.info) : request;
    const { models: _models, continuation_id: _continuation, ...clean } = shaped;
    return { requestId, thread, chain, request: clean as ChatRequest };
  }

  /** Whether a call stores its exchange: when it continues a thread or asks to, unless it only reads history. */
  #remembers(thread: { id: string } | undefined, options: EngineCallOptions): boolean {
    return !options.historyOnly && (thread !== undefined || options.remember === true);
  }

  /**
   * The conversation a call is queued under (one call per thread at a time, so turns stay in
   * order). A call that only reads the thread (`historyOnly`) writes nothing and is not queued.
   */
  #conversationOf(thread: { id: string } | undefined, options: EngineCallOptions): string | undefined {
    return options.historyOnly ? undefined : thread?.id;
  }

  #rememberCall(
    threadId: string | undefined,
    request: ChatRequest,
    answer: string,
    meta: EngineMeta,
    options: EngineCallOptions,
  ): Promise<string> {
    const question = request.messages.filter((message) => message.role === 'user').at(-1);
    return this.remember(scopeOf(options), {
      ...(threadId ? { threadId } : {}),
      title: textOf(request.messages.at(-1)),
      question: textOf(question),
      answer,
      provider: meta.provider,
      model: meta.model,
      ...(options.tool ? { tool: options.tool } : {}),
      ...(options.files ? { files: options.files } : {}),
      ...(meta.usage ? { usage: meta.usage } : {}),
    });
  }

  /**
   * Stores one question and its answer in a conversation thread (a new one when `threadId` is
   * undefined) and returns the thread id: the memory every call with `remember` or a
   * `continuation_id` writes, for tools whose answer is not one chat (consensus, web search).
   */
  remember(scope: OwnerScope, exchange: Exchange): Promise<string> {
    return storeExchange(this.store, scope, exchange);
  }

  #account(meta: EngineMeta, options: EngineCallOptions, status: number, startedAt: number): void {
    this.#requestLog.record(meta, {
      status,
      startedAt,
      ...(options.route ? { route: options.route } : {}),
      ...(options.caller ? { caller: options.caller } : {}),
    });
  }

  #meta(requestId: string, state: RouteState, chain: Target[]): EngineMeta {
    return metaOf(requestId, state, chain, this.simulated);
  }

  /** A non-streaming chat over the fallback chain, remembered when asked to. */
  async chat(request: ChatRequest, options: EngineCallOptions = {}): Promise<EngineChatResult> {
    const startedAt = Date.now();
    const prepared = await this.#prepare(request, options);
    const state: RouteState = { attempts: [] };
    const conversationId = this.#conversationOf(prepared.thread, options);
    try {
      const response = await routeChat(
        prepared.chain,
        prepared.request,
        this.#deps,
        this.#routeOptions(prepared.requestId, request, options, conversationId),
        state,
      );
      const meta = this.#meta(prepared.requestId, state, prepared.chain);
      if (this.#remembers(prepared.thread, options)) {
        meta.continuationId = await this.#rememberCall(
          prepared.thread?.id,
          prepared.request,
          textOf(response.choices[0]?.message),
          meta,
          options,
        );
      }
      this.#account(meta, options, 200, startedAt);
      return { ...response, exai: meta };
    } catch (error) {
      this.#account(
        this.#meta(prepared.requestId, state, prepared.chain),
        options,
        (error as { statusCode?: number }).statusCode ?? 500,
        startedAt,
      );
      throw error;
    }
  }

  /** Embeddings over the chain's targets that can embed (fallbacks included), logged and accounted like a chat. */
  async embed(request: EmbeddingRequest, options: EngineCallOptions = {}): Promise<EngineEmbeddingResult> {
    const startedAt = Date.now();
    const requestId = options.requestId ?? randomUUID();
    const chain = embeddingTargets(this.chain(request, options), request.model, this.catalog());
    const state: RouteState = { attempts: [] };
    try {
      const routeOptions = this.#routeOptions(requestId, request, options);
      const response = await routeEmbeddings(chain, request, this.#deps, routeOptions, state);
      const meta = this.#meta(requestId, state, chain);
      this.#account(meta, options, 200, startedAt);
      return { ...response, exai: meta };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      this.#account(this.#meta(requestId, state, chain), options, status, startedAt);
      throw error;
    }
  }

  /** A streaming chat; see `routeStream` for the fail-over rules. Remembered before the stream ends. */
  stream(request: ChatRequest, options: EngineCallOptions = {}): EngineStream {
    const state: RouteState = { attempts: [] };
    const engine = this;
    const meta: EngineMeta = {
      requestId: options.requestId ?? randomUUID(),
      provider: '',
      model: '',
      attempts: state.attempts,
      fellBack: false,
      simulated: this.simulated,
    };
    async function* run(): AsyncGenerator<ChatChunk> {
      const startedAt = Date.now();
      const prepared = await engine.#prepare(request, { ...options, requestId: meta.requestId });
      const conversationId = engine.#conversationOf(prepared.thread, options);
      const remembering = engine.#remembers(prepared.thread, options);
      let answer = '';
      try {
        for await (const chunk of routeStream(
          prepared.chain,
          prepared.request,
          engine.#deps,
          engine.#routeOptions(meta.requestId, request, options, conversationId),
          state,
        )) {
          // The answer is only kept when a thread will store it.
          if (remembering) answer += chunk.choices[0]?.delta.content ?? '';
          // Who is answering is settled by the first chunk; refresh the meta once, not per chunk.
          if (meta.provider === '') Object.assign(meta, engine.#meta(meta.requestId, state, prepared.chain));
          yield chunk;
        }
        Object.assign(meta, engine.#meta(meta.requestId, state, prepared.chain));
        if (remembering)
          meta.continuationId = await engine.#rememberCall(
            prepared.thread?.id,
            prepared.request,
            answer,
            meta,
            options,
          );
        engine.#account(meta, options, 200, startedAt);
      } catch (error) {
        Object.assign(meta, engine.#meta(meta.requestId, state, prepared.chain));
        engine.#account(meta, options, (error as { statusCode?: number }).statusCode ?? 500, startedAt);
        throw error;
      }
    }
    return { meta, [Symbol.asyncIterator]: () => run() };
  }

  /** Every provider's models: catalog merged with `/models`, simulated ones flagged. */
  async listModels(options: { signal?: AbortSignal; remote?: boolean } = {}): Promise<ModelInfo[]> {
    const lists = await Promise.all(
      this.resolver.adapters.map(async (adapter) => {
        if (options.remote === false) return adapter.catalog();
        try {
          return await adapter.listModels(options.signal ? { signal: options.signal } : {});
        } catch (error) {
          this.logger.warn({ provider: adapter.id, err: error }, 'listing models failed; using the catalog');
          return adapter.catalog();
        }
      }),
    );
    return lists.flat().map((info) => (this.simulated ? { ...info, simulated: true } : info));
  }

  /** Several models asked concurrently (blinded, with stances), with an optional synthesis. */
  consensus(input: ConsensusInput) {
    return runConsensus({
      ...input,
      ask: async (participant, messages, signal) => {
        const result = await this.chat({ model: participant.model, messages }, { signal, tool: 'consensus' });
        return {
          content: textOf(result.choices[0]?.message),
          model: result.model,
          provider: result.provider,
          ...(result.usage ? { usage: result.usage } : {}),
        };
      },
    });
  }

  status(): EngineStatus {
    return engineStatus({
      simulated: this.simulated,
      adapters: this.resolver.adapters,
      sessions: this.sessions,
      breakers: this.breakers,
      credentials: this.credentials,
      store: { kind: this.store.dialect, shared: this.config.store.redisUrl ? 'redis' : 'memory' },
    });
  }

  /** The provider adapters the engine routes over, in configuration order. */
  adapters(): readonly ProviderAdapter[] {
    return this.resolver.adapters;
  }

  /** Every model the configuration allows, from the adapters' catalogs (no network). */
  catalog(): ModelInfo[] {
    return this.resolver.catalog();
  }

  /** Runs a provider call that is not a chat (e.g. a search API) through that provider's breaker. */
  throughBreaker<T>(provider: string, fn: () => Promise<T>): Promise<T> {
    return this.breakers.get(provider).execute(fn);
  }

  /**
   * Subscribes to a breaker's state changes (`breaker`) or to the sessions of upstream calls
   * (`session`: queued, running, finished). Returns the function that unsubscribes.
   */
  on(event: 'breaker', listener: BreakerStateListener): () => void;
  on(event: 'session', listener: SessionListener): () => void;
  on(event: 'breaker' | 'session', listener: BreakerStateListener | SessionListener): () => void {
    if (event === 'session') return this.sessions.on('session', listener as SessionListener);
    const onState = listener as BreakerStateListener;
    this.breakers.on('state', onState);
    return () => this.breakers.off('state', onState);
  }

  /**
   * Stops accepting work, lets in-flight calls finish (up to `graceMs`) and flushes the request log.
   * The store and the adapters belong to the composition root that made them, which closes them after.
   */
  async close(graceMs = 10_000): Promise<boolean> {
    const drained = await this.sessions.drain(graceMs);
    await this.#requestLog.flush();
    await this.breakers.close();
    this.credentials.close();
    return drained;
  }
}

/** Builds the engine over the adapters and the store its composition root made. */
export function createEngine(options: EngineOptions): Engine {
  const logger = options.logger ?? createLogger({ level: options.config.logLevel, name: 'exai' });
  return new Engine(options.config, options.adapters, options.store, {
    logger,
    ...(options.simulated ? { simulated: true } : {}),
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
}
