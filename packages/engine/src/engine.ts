import { randomUUID } from 'node:crypto';
import type { BreakerRegistry, BreakerStateListener } from '@exai/circuit-breakers';
import {
  type ChatChunk,
  type ChatRequest,
  createLogger,
  type EmbeddingRequest,
  type GatewayConfig,
  type Logger,
  type ModelInfo,
  type ProviderAdapter,
  type Tracer,
} from '@exai/core';
import type { SessionListener, SessionManager } from '@exai/session-manager';
import type { OwnerScope, Store } from '@exai/store';
import { type CacheSlot, CallCache, hitMeta } from './cache.js';
import { traceCall } from './call-trace.js';
import { type Affinity, buildChain } from './chain.js';
import { consensusAnswerOf, runConsensus } from './consensus.js';
import type { CredentialHolds } from './credential-holds.js';
import { embeddingTargets, routeEmbeddings } from './embeddings.js';
import { routeOptionsOf, wireEngine } from './engine-parts.js';
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
import { type ListModelsOptions, listModels } from './list-models.js';
import { conversationOf, exchangeOf, remembers, scopeOf, storeExchange, textOf } from './memory.js';
import { blankMeta, metaOf } from './meta.js';
import { type PrepareParts, prepareCall } from './prepare.js';
import { RequestLog } from './request-log.js';
import type { ModelResolver, Target } from './resolve.js';
import type { RouteState } from './route-types.js';
import { type RouterDeps, routeChat } from './router.js';
import { type Admission, affinityOf, priceCall, SpendGuard } from './spend.js';
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
  readonly #cache: CallCache;
  readonly #tracer: Tracer | undefined;
  readonly #spend: SpendGuard;

  constructor(
    config: GatewayConfig,
    adapters: readonly ProviderAdapter[],
    store: Store,
    options: { logger: Logger; simulated?: boolean; instanceId?: string; random?: () => number; tracer?: Tracer },
  ) {
    this.config = config;
    this.logger = options.logger;
    this.store = store;
    this.simulated = options.simulated ?? false;
    this.#requestLog = new RequestLog(store, options.logger);
    this.#cache = new CallCache(config.cache, () => store.responseCache, options.logger);
    this.#tracer = options.tracer;
    this.#spend = new SpendGuard(store, options.logger);
    const parts = wireEngine(config, adapters, store, options);
    this.resolver = parts.resolver;
    this.breakers = parts.breakers;
    this.credentials = parts.credentials;
    this.sessions = parts.sessions;
    this.#deps = parts.deps;
  }

  /** Resolves a model name into the ordered targets a request would try (fallbacks included). */
  chain(
    request: Pick<ChatRequest, 'model' | 'models'>,
    options: EngineCallOptions = {},
    prefer?: string | Affinity | null,
  ): Target[] {
    return buildChain(this.resolver, this.config, this.logger, request, options.auto, prefer);
  }

  #parts: PrepareParts | undefined;
  /** What `prepareCall` needs, built once: a call allocates no closures for it. */
  #prepareParts(): PrepareParts {
    this.#parts ??= {
      store: this.store,
      maxTurns: this.config.store.maxTurns,
      cache: this.#cache,
      chain: (request, options, prefer) => this.chain(request, options, prefer),
      affinity: (thread, turns) => affinityOf(thread, turns, this.resolver),
      admit: (caller, chain, request) => this.#spend.admit(caller, chain, request),
    };
    return this.#parts;
  }

  #rememberCall(
    threadId: string | undefined,
    request: ChatRequest,
    answer: string,
    meta: EngineMeta,
    options: EngineCallOptions,
  ): Promise<string> {
    return this.remember(scopeOf(options), exchangeOf(threadId, request, answer, meta, options));
  }

  /**
   * Stores one question and its answer in a conversation thread (a new one when `threadId` is
   * undefined) and returns the thread id: the memory every call with `remember` or a
   * `continuation_id` writes, for tools whose answer is not one chat (consensus, web search).
   */
  remember(scope: OwnerScope, exchange: Exchange): Promise<string> {
    return storeExchange(this.store, scope, exchange);
  }

  /** Prices the attempts, settles the key's budget, and logs the call. */
  async #account(
    meta: EngineMeta,
    options: EngineCallOptions,
    status: number,
    startedAt: number,
    call: { chain: Target[]; request: ChatRequest; admission: Admission | undefined; answerChars: number },
  ): Promise<void> {
    await priceCall(meta, call, this.logger);
    this.#requestLog.record(meta, {
      status,
      startedAt,
      ...(options.route ? { route: options.route } : {}),
      ...(options.caller ? { caller: options.caller } : {}),
      ...(options.scope ? { owner: options.scope.owner } : {}),
      ...(options.traceId ? { traceId: options.traceId } : {}),
    });
  }

  #meta(requestId: string, state: RouteState, chain: Target[], cache?: CacheSlot): EngineMeta {
    return { ...metaOf(requestId, state, chain, this.simulated), ...(cache ? { cache: 'miss' as const } : {}) };
  }

  /** A non-streaming chat over the fallback chain, remembered when asked to; from the cache when it applies. */
  async chat(request: ChatRequest, options: EngineCallOptions = {}): Promise<EngineChatResult> {
    const startedAt = Date.now();
    const trace = traceCall(this.#tracer, request, options, false);
    let meta: EngineMeta | undefined;
    let failure: unknown;
    let prepared: Awaited<ReturnType<typeof prepareCall>> | undefined;
    try {
      prepared = await prepareCall(this.#prepareParts(), request, options, 'json');
      const { cache } = prepared;
      const cached = cache ? await this.#cache.getChat(cache, options.signal) : undefined;
      if (cached) {
        // A cached answer costs nothing: no attempt, the reservation settled to 0.
        meta = hitMeta(prepared.requestId, cached, this.simulated);
        await this.#account(meta, options, 200, startedAt, { ...prepared, answerChars: 0 });
        return { ...cached, exai: meta };
      }
      const state: RouteState = { attempts: [] };
      meta = this.#meta(prepared.requestId, state, prepared.chain, cache);
      const conversationId = conversationOf(prepared.thread, options);
      const response = await routeChat(
        prepared.chain,
        prepared.request,
        this.#deps,
        routeOptionsOf(this.config, prepared.requestId, request, options, conversationId),
        state,
      );
      meta = this.#meta(prepared.requestId, state, prepared.chain, cache);
      if (remembers(prepared.thread, options)) {
        meta.continuationId = await this.#rememberCall(
          prepared.thread?.id,
          prepared.request,
          textOf(response.choices[0]?.message),
          meta,
          options,
        );
      }
      if (cache) await this.#cache.put(cache, { kind: 'json', response });
      await this.#account(meta, options, 200, startedAt, {
        ...prepared,
        answerChars: textOf(response.choices[0]?.message).length,
      });
      return { ...response, exai: meta };
    } catch (error) {
      failure = error;
      if (meta && prepared)
        await this.#account(meta, options, (error as { statusCode?: number }).statusCode ?? 500, startedAt, {
          ...prepared,
          answerChars: 0,
        });
      throw error;
    } finally {
      trace?.finish(meta ?? blankMeta(options.requestId ?? randomUUID(), this.simulated), failure);
    }
  }

  /** Embeddings over the chain's targets that can embed (fallbacks included), logged and accounted like a chat. */
  async embed(request: EmbeddingRequest, options: EngineCallOptions = {}): Promise<EngineEmbeddingResult> {
    const startedAt = Date.now();
    const requestId = options.requestId ?? randomUUID();
    const chain = embeddingTargets(this.chain(request, options), request.model, this.catalog());
    const state: RouteState = { attempts: [] };
    // Priced from the usage the provider reports (input tokens); a key's budget is not reserved for embeddings.
    const call = { chain, request: { model: request.model, messages: [] }, admission: undefined, answerChars: 0 };
    try {
      const routeOptions = routeOptionsOf(this.config, requestId, request, options);
      const response = await routeEmbeddings(chain, request, this.#deps, routeOptions, state);
      const meta = this.#meta(requestId, state, chain);
      await this.#account(meta, options, 200, startedAt, call);
      return { ...response, exai: meta };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      await this.#account(this.#meta(requestId, state, chain), options, status, startedAt, call);
      throw error;
    }
  }

  /** A streaming chat; see `routeStream` for the fail-over rules. Remembered before the stream ends. */
  stream(request: ChatRequest, options: EngineCallOptions = {}): EngineStream {
    const state: RouteState = { attempts: [] };
    const engine = this;
    const meta = blankMeta(options.requestId ?? randomUUID(), this.simulated, state);
    async function* run(): AsyncGenerator<ChatChunk> {
      const startedAt = Date.now();
      const trace = traceCall(engine.#tracer, request, options, true);
      let failure: unknown;
      try {
        const prepared = await prepareCall(
          engine.#prepareParts(),
          request,
          { ...options, requestId: meta.requestId },
          'stream',
        );
        const { cache } = prepared;
        const cached = cache ? await engine.#cache.getStream(cache, options.signal) : undefined;
        if (cached) {
          Object.assign(meta, hitMeta(meta.requestId, cached[0] ?? meta, engine.simulated));
          yield* cached;
          await engine.#account(meta, options, 200, startedAt, { ...prepared, answerChars: 0 });
          return;
        }
        if (cache) meta.cache = 'miss';
        const conversationId = conversationOf(prepared.thread, options);
        const remembering = remembers(prepared.thread, options);
        const refresh = () => Object.assign(meta, engine.#meta(meta.requestId, state, prepared.chain, cache));
        let answer = '';
        let answerChars = 0;
        let status = 499;
        // The chunks are kept for the cache until they pass its size cap.
        let kept: ChatChunk[] | undefined = cache ? [] : undefined;
        let keptBytes = 0;
        try {
          for await (const chunk of routeStream(
            prepared.chain,
            prepared.request,
            engine.#deps,
            routeOptionsOf(engine.config, meta.requestId, request, options, conversationId),
            state,
          )) {
            // The answer is only kept when a thread will store it; its length prices a call without usage.
            const text = chunk.choices[0]?.delta.content ?? '';
            answerChars += text.length;
            if (remembering) answer += text;
            if (kept) {
              keptBytes += JSON.stringify(chunk).length;
              if (keptBytes > engine.#cache.maxEntryBytes) kept = undefined;
              else kept.push(chunk);
            }
            // Who is answering is settled by the first chunk; refresh the meta once, not per chunk.
            if (meta.provider === '') refresh();
            yield chunk;
          }
          refresh();
          if (remembering)
            meta.continuationId = await engine.#rememberCall(
              prepared.thread?.id,
              prepared.request,
              answer,
              meta,
              options,
            );
          if (cache && kept) await engine.#cache.put(cache, { kind: 'stream', chunks: kept });
          status = 200;
          await engine.#account(meta, options, 200, startedAt, { ...prepared, answerChars });
        } catch (error) {
          status = (error as { statusCode?: number }).statusCode ?? 500;
          throw error;
        } finally {
          // Also when the consumer stops early (the client went away): the reservation is settled either way.
          if (status !== 200) {
            refresh();
            await engine.#account(meta, options, status, startedAt, { ...prepared, answerChars });
          }
        }
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        trace?.finish(meta, failure);
      }
    }
    return { meta, [Symbol.asyncIterator]: () => run() };
  }

  /** Every provider's models: catalog merged with `/models`, simulated ones flagged. */
  listModels(options: ListModelsOptions = {}): Promise<ModelInfo[]> {
    return listModels(this.resolver.adapters, this.simulated, this.logger, options);
  }

  /** Several models asked concurrently (blinded, with stances), with an optional synthesis. */
  consensus(input: ConsensusInput) {
    return runConsensus({
      ...input,
      ask: async (participant, messages, signal) => {
        return consensusAnswerOf(
          await this.chat({ model: participant.model, messages }, { signal, tool: 'consensus' }),
        );
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
      store: { kind: this.store.dialect, shared: this.store.shared.kind },
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
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
}
