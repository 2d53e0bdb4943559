import { createHash } from 'node:crypto';
import type { ChatChunk, ChatRequest, ChatResponse, GatewayConfig, Logger } from '@exai/core';
import { localOwner, type ResponseCache } from '@exai/store';
import type { EngineCallOptions, EngineMeta } from './engine-types.js';
import type { Target } from './resolve.js';

/**
 * The exact response cache (docs/decisions/0024-response-cache-and-tracing.md). An answer is reused
 * for the same caller only, for the same normalised request: the targets the model resolved to, the
 * messages, tools and every sampling parameter (the request minus `model`, `stream`, `stream_options`
 * and `user`), streamed and whole answers apart. Opt-in per route or key, `temperature: 0` only unless
 * configured, never for calls that read or write a conversation thread.
 */

type CacheSettings = GatewayConfig['cache'];

/** What is stored: a whole answer, or every chunk of a stream in order. */
type EntryBody = { kind: 'json'; response: ChatResponse } | { kind: 'stream'; chunks: ChatChunk[] };
type Entry = EntryBody & { v: 1 };

/** JSON with object keys sorted and `undefined` left out, so equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** The digest an answer is stored under. */
export function cacheKeyOf(request: ChatRequest, chain: readonly Target[], kind: Entry['kind']): string {
  const { model: _model, stream: _stream, stream_options: _streamOptions, user: _user, ...rest } = request;
  const normalised = {
    v: 1,
    kind,
    targets: chain.map((target) => `${target.provider}/${target.model}`),
    request: rest,
  };
  return createHash('sha256').update(canonicalJson(normalised)).digest('hex');
}

/** A cacheable call: where its answer is stored. */
export interface CacheSlot {
  owner: string;
  key: string;
}

export class CallCache {
  readonly #settings: CacheSettings;
  readonly #storage: () => ResponseCache;
  readonly #logger: Logger;

  constructor(settings: CacheSettings, storage: () => ResponseCache, logger: Logger) {
    this.#settings = settings;
    this.#storage = storage;
    this.#logger = logger;
  }

  /** The slot of a call the cache applies to, or undefined (not opted in, sampled, or a thread call). */
  slotOf(
    request: ChatRequest,
    chain: readonly Target[],
    options: EngineCallOptions,
    kind: Entry['kind'],
    usesThread: boolean,
  ): CacheSlot | undefined {
    const { routes, keys, anyTemperature } = this.#settings;
    if (routes.length === 0 && keys.length === 0) return undefined;
    const route = options.route ?? 'engine';
    const caller = options.caller;
    const optedIn =
      routes.includes('*') ||
      routes.includes(route) ||
      (caller !== undefined && (keys.includes('*') || keys.includes(caller)));
    if (!optedIn || usesThread) return undefined;
    if (!anyTemperature && request.temperature !== 0) return undefined;
    // Tenancy: the caller's scope (its key) owns the entry; an admin scope reads only its own entries too.
    const owner = options.scope?.owner ?? caller ?? localOwner;
    return { owner, key: cacheKeyOf(request, chain, kind) };
  }

  async #read(slot: CacheSlot, signal: AbortSignal | undefined): Promise<Entry | undefined> {
    try {
      const text = await this.#storage().get(slot.owner, slot.key, signal ? { signal } : {});
      if (text === undefined) return undefined;
      const entry = JSON.parse(text) as Entry;
      return entry.v === 1 ? entry : undefined;
    } catch (error) {
      // A cache that cannot be read is a miss: the call goes upstream.
      this.#logger.warn({ err: error }, 'response cache: read failed; answering from the provider');
      return undefined;
    }
  }

  async getChat(slot: CacheSlot, signal?: AbortSignal): Promise<ChatResponse | undefined> {
    const entry = await this.#read(slot, signal);
    return entry?.kind === 'json' ? entry.response : undefined;
  }

  async getStream(slot: CacheSlot, signal?: AbortSignal): Promise<ChatChunk[] | undefined> {
    const entry = await this.#read(slot, signal);
    return entry?.kind === 'stream' ? entry.chunks : undefined;
  }

  /** Stores an answer; one over the size cap, or a failed write, is only logged (debug / warn). */
  async put(slot: CacheSlot, entry: EntryBody): Promise<void> {
    const text = JSON.stringify({ v: 1, ...entry });
    if (Buffer.byteLength(text) > this.#settings.maxEntryBytes) {
      this.#logger.debug({ bytes: Buffer.byteLength(text) }, 'response cache: answer over the size cap; not stored');
      return;
    }
    try {
      await this.#storage().set(slot.owner, slot.key, text, this.#settings.ttlMs);
    } catch (error) {
      this.#logger.warn({ err: error }, 'response cache: write failed');
    }
  }

  /** Upper bound of a stream's chunks worth collecting (past it the answer is not stored anyway). */
  get maxEntryBytes(): number {
    return this.#settings.maxEntryBytes;
  }
}

/** The meta of an answer served from the cache: no attempt, nothing spent. */
export function hitMeta(
  requestId: string,
  answered: { provider: string; model: string },
  simulated: boolean,
): EngineMeta {
  return {
    requestId,
    provider: answered.provider,
    model: answered.model,
    attempts: [],
    fellBack: false,
    simulated,
    cache: 'hit',
  };
}
