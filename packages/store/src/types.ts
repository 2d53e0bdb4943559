import type { Logger, Role, SharedBreakerState, SharedRateLimiter, SharedSemaphore, Turn } from '@exai/core';
import type { ApiKeyPolicy, ApiKeyRecord, CreatedApiKey, SpendReservation, SpendRow } from './key-types.js';
import type { MaintenanceResult } from './maintenance.js';
import type { NewStoredResponse, ResponseCache, ResponseTransition, StoredResponseRecord } from './response-types.js';

export type * from './key-types.js';
export type * from './response-types.js';

/** JSON values stored in `metadata`, `files` and `usage` columns. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** Directory of the embedded SQLite database and of stored file contents. Default `~/.exai`. */
  dataDir?: string;
  /** A Postgres connection string. When set, Postgres is used instead of SQLite. */
  databaseUrl?: string;
  /** A Redis URL. When set, `store.shared` uses Redis so several instances share state. */
  redisUrl?: string;
  /**
   * Shared state built elsewhere (the workers of one process group share their primary's, see
   * `createChannelSharedState`); takes the place of the Redis or in-process set. Closed with the store.
   */
  sharedState?: SharedState;
  /** How long a thread lives after its last turn. Default 3 days. */
  threadTtlMs?: number;
  /** Turns a thread may hold; `appendTurn` past it throws `BadRequestError`. Default 50. */
  maxTurns?: number;
  /** Key prefix for everything written to Redis. Default `exai:`. */
  redisPrefix?: string;
  /** Postgres pool size. Default 10. */
  poolSize?: number;
  /**
   * Request-log rows (requests and their attempts) older than this are purged by maintenance; 0 keeps them. Default 30
   * days.
   */
  requestLogRetentionMs?: number;
  /** How often `startMaintenance` purges (each wait jittered ±25%); 0 turns the loop off. Default 15 minutes. */
  maintenanceIntervalMs?: number;
  /** Randomness of the maintenance jitter, for tests. Default `Math.random`. */
  random?: () => number;
  logger?: Logger;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * Who is asking the store. `owner` is the tenant (an API key id, a token hash, `local`) new
 * records belong to; reads, lists, continues and deletes see that owner's records only. With
 * `admin: true` they see every owner's (each record shows its owner); writes still use `owner`.
 * Every thread, file and provider-upload method takes one: a caller cannot forget it.
 */
export interface OwnerScope {
  owner: string;
  admin?: boolean;
}

export interface ThreadRecord {
  id: string;
  /** The tenant that created the thread. */
  owner: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  title: string | null;
  provider: string | null;
  model: string | null;
  metadata: JsonObject | null;
}

export interface NewThread {
  /** Defaults to a random id. */
  id?: string;
  title?: string;
  provider?: string;
  model?: string;
  metadata?: JsonObject;
}

/** A stored turn: the conversation `Turn` of `@exai/core` with its thread, position and time. */
export interface TurnRecord extends Turn {
  threadId: string;
  /** 1-based position in the thread. */
  seq: number;
  role: Role;
  content: string;
  /** File ids or paths the turn referred to. */
  files: string[];
  tool: string | null;
  model: string | null;
  provider: string | null;
  createdAt: number;
  usage: JsonObject | null;
}

export interface NewTurn {
  role: Role;
  content: string;
  files?: string[];
  tool?: string;
  model?: string;
  provider?: string;
  usage?: JsonObject;
}

export type FileStorage = 'disk' | 'database';

export interface FileRecord {
  id: string;
  /** The tenant that stored the file. */
  owner: string;
  sha256: string;
  filename: string;
  bytes: number;
  contentType: string | null;
  createdAt: number;
  /** `disk`: `<dataDir>/files/<sha256>`; `database`: the `file_contents` table. */
  storage: FileStorage;
}

export interface NewFile {
  filename: string;
  data: Uint8Array | string;
  contentType?: string;
}

export interface ProviderUploadRecord {
  /** The tenant whose call uploaded the content. */
  owner: string;
  provider: string;
  providerFileId: string;
  sha256: string;
  filename: string;
  purpose: string | null;
  createdAt: number;
}

export type NewProviderUpload = Omit<ProviderUploadRecord, 'createdAt' | 'purpose' | 'owner'> & { purpose?: string };

export interface RequestRecord {
  id: string;
  createdAt: number;
  route: string;
  model: string | null;
  provider: string | null;
  /** HTTP-ish status of the whole request. */
  status: number;
  latencyMs: number;
  tokens: number | null;
  apiKeyId: string | null;
  /** The tenant the request was made for (`localOwner` when none was given). */
  owner: string;
  /** `hit` or `miss` when the request was cacheable, else null. */
  cache: 'hit' | 'miss' | null;
  /** What the request cost (every attempt), in `currency`; null when not known. */
  cost: number | null;
  currency: string | null;
  /** The W3C trace id of the caller's trace (a `traceparent` header or MCP `_meta`), or null. */
  traceId: string | null;
  attempts: AttemptRecord[];
}

export interface NewRequest {
  id?: string;
  createdAt?: number;
  route: string;
  model?: string;
  provider?: string;
  status: number;
  latencyMs: number;
  tokens?: number;
  apiKeyId?: string;
  /** The tenant the request was made for (the caller's scope owner); default `localOwner`. */
  owner?: string;
  /** The exact response cache's verdict when the call was cacheable: `hit` (no upstream call) or `miss`. */
  cache?: 'hit' | 'miss';
  cost?: number;
  currency?: string;
  /** The W3C trace id of the caller's trace, when it sent one (32 lowercase hex digits). */
  traceId?: string;
}

export interface AttemptRecord {
  requestId: string;
  /** 1-based order of the attempt. */
  seq: number;
  provider: string;
  model: string;
  /** For example `success`, `error`, `cancelled`. */
  outcome: string;
  errorCode: string | null;
  latencyMs: number;
  tokens: number | null;
  startedAt: number;
  cost: number | null;
  /** Prompt tokens served from the provider's context cache (billed at the cached price). */
  cachedTokens: number | null;
  /** True when the cost is the gateway's estimate (the provider reported no usage). */
  costEstimated: boolean;
}

export interface NewAttempt {
  provider: string;
  model: string;
  outcome: string;
  errorCode?: string;
  latencyMs: number;
  tokens?: number;
  startedAt: number;
  cost?: number;
  cachedTokens?: number;
  costEstimated?: boolean;
}

export interface ListOptions {
  limit?: number;
  offset?: number;
  signal?: AbortSignal;
}

export interface SignalOption {
  signal?: AbortSignal;
}

/**
 * What gateway instances share: Redis-backed with `redisUrl`, in-process otherwise, or held by another
 * process (`primary`: the workers of one `exai-http --workers N`, see channel-shared-state.ts).
 */
export interface SharedState {
  kind: 'redis' | 'memory' | 'primary';
  breakers: SharedBreakerState;
  rateLimiter: SharedRateLimiter;
  semaphore: SharedSemaphore;
  close(): Promise<void>;
}

export interface Store {
  readonly dialect: StoreDialect;
  /** The exact response cache's storage; created on first access. */
  readonly responseCache: ResponseCache;
  /** Opens the database and runs migrations; every other method does this on first use. */
  ready(options?: SignalOption): Promise<void>;
  close(): Promise<void>;
  /** Shared breaker state, rate limiter and semaphore; created on first access. */
  readonly shared: SharedState;

  createThread(scope: OwnerScope, thread?: NewThread, options?: SignalOption): Promise<ThreadRecord>;
  /** Undefined when missing, expired or another owner's (the same answer for all three). */
  getThread(scope: OwnerScope, id: string, options?: SignalOption): Promise<ThreadRecord | undefined>;
  /**
   * Durable when it resolves. Extends the thread's expiry. Throws NotFoundError (also for another owner's thread),
   * BadRequestError (max turns).
   */
  appendTurn(scope: OwnerScope, threadId: string, turn: NewTurn, options?: SignalOption): Promise<TurnRecord>;
  /** Several turns in one transaction (all stored, or none); durable when it resolves. */
  appendTurns(
    scope: OwnerScope,
    threadId: string,
    turns: readonly NewTurn[],
    options?: SignalOption,
  ): Promise<TurnRecord[]>;
  /** Turns in order; with `limit`, the latest `limit` turns. Empty for another owner's thread. */
  listTurns(
    scope: OwnerScope,
    threadId: string,
    options?: { limit?: number; signal?: AbortSignal },
  ): Promise<TurnRecord[]>;
  /** Live threads of the scope, most recently updated first. */
  listThreads(scope: OwnerScope, options?: ListOptions): Promise<ThreadRecord[]>;
  /** False when missing or another owner's. */
  deleteThread(scope: OwnerScope, id: string, options?: SignalOption): Promise<boolean>;
  /** Deletes expired threads (of every owner) and their turns; returns how many threads were deleted. */
  purgeExpired(options?: SignalOption): Promise<number>;
  /**
   * One maintenance pass: expired threads and request-log rows past retention. Skipped while another instance holds the
   * lock, unless `force`.
   */
  runMaintenance(options?: SignalOption & { force?: boolean }): Promise<MaintenanceResult>;
  /**
   * Starts the periodic maintenance loop (unref'd timer, jittered); `close` stops it. Calling it again does nothing.
   */
  startMaintenance(): void;

  putFile(scope: OwnerScope, file: NewFile, options?: SignalOption): Promise<FileRecord>;
  /** Undefined when missing or another owner's. */
  getFile(scope: OwnerScope, id: string, options?: SignalOption): Promise<FileRecord | undefined>;
  /** Throws NotFoundError when the file (or its content) is missing or another owner's. */
  readFileContent(scope: OwnerScope, id: string, options?: SignalOption): Promise<Buffer>;
  listFiles(scope: OwnerScope, options?: ListOptions): Promise<FileRecord[]>;
  /** False when missing or another owner's. */
  deleteFile(scope: OwnerScope, id: string, options?: SignalOption): Promise<boolean>;

  recordProviderUpload(
    scope: OwnerScope,
    upload: NewProviderUpload,
    options?: SignalOption,
  ): Promise<ProviderUploadRecord>;
  /** The scope's latest upload of this content to this provider, for dedupe. */
  findProviderUpload(
    scope: OwnerScope,
    provider: string,
    sha256: string,
    options?: SignalOption,
  ): Promise<ProviderUploadRecord | undefined>;
  listProviderUploads(
    scope: OwnerScope,
    options?: ListOptions & { provider?: string },
  ): Promise<ProviderUploadRecord[]>;
  deleteProviderUpload(
    scope: OwnerScope,
    provider: string,
    providerFileId: string,
    options?: SignalOption,
  ): Promise<boolean>;

  recordRequest(request: NewRequest, attempts?: NewAttempt[], options?: SignalOption): Promise<RequestRecord>;
  /** Many requests in one transaction; what a buffered request log uses. */
  recordRequests(
    batch: Array<{ request: NewRequest; attempts?: NewAttempt[] }>,
    options?: SignalOption,
  ): Promise<RequestRecord[]>;
  /** The scope's requests (an admin scope: every owner's), newest first, each with its attempts. */
  listRequests(scope: OwnerScope, options?: ListOptions): Promise<RequestRecord[]>;
  /** Deletes requests created before `before` (epoch ms) with their attempts; returns how many requests. */
  purgeRequests(before: number, options?: SignalOption): Promise<number>;

  createApiKey(name: string, options?: SignalOption & ApiKeyPolicy): Promise<CreatedApiKey>;
  /** The key's record when the key is known and not revoked, otherwise undefined. */
  verifyApiKey(key: string, options?: SignalOption): Promise<ApiKeyRecord | undefined>;
  /** With `owner`, only a key of that owner is revoked. */
  revokeApiKey(id: string, options?: SignalOption & { owner?: string }): Promise<boolean>;
  /** With `owner`, only that owner's keys. */
  listApiKeys(options?: ListOptions & { owner?: string }): Promise<ApiKeyRecord[]>;
  /** A key's record by id (revoked ones too); with `owner`, undefined for another owner's key. */
  getApiKey(id: string, options?: SignalOption & { owner?: string }): Promise<ApiKeyRecord | undefined>;

  /**
   * Adds `amount` to the key's spend in `period` only while the spend so far is under `limit`, atomically
   * (Redis with `redisUrl`, the database otherwise). A call reserves its estimated cost this way before it runs.
   */
  reserveSpend(
    keyId: string,
    period: string,
    limit: number,
    amount: number,
    options?: SignalOption,
  ): Promise<SpendReservation>;
  /** Replaces a reservation by what the call cost (`actual`, durable in the database). */
  settleSpend(keyId: string, period: string, reserved: number, actual: number, options?: SignalOption): Promise<void>;
  /** The key's spend in `period` (durable record; includes reservations in flight without Redis). */
  getSpend(keyId: string, period: string, options?: SignalOption): Promise<number>;
  /** The scope's attempt costs (an admin scope: every owner's) per key, provider and model, in [since, until). */
  spendSummary(scope: OwnerScope, options: SignalOption & { since: number; until?: number }): Promise<SpendRow[]>;

  /** Stores a response (or replaces the scope's own response of that id); it lives as long as a thread. */
  putResponse(scope: OwnerScope, record: NewStoredResponse, options?: SignalOption): Promise<StoredResponseRecord>;
  /** Undefined when missing, expired or another owner's. */
  getResponse(scope: OwnerScope, id: string, options?: SignalOption): Promise<StoredResponseRecord | undefined>;
  /** False when missing or another owner's. */
  deleteResponse(scope: OwnerScope, id: string, options?: SignalOption): Promise<boolean>;
  /**
   * Moves the caller's response to `transition.status` if its status is one of `transition.from`
   * (compare-and-set); false when it was not (cancelled meanwhile, finished, missing, another owner's).
   */
  transitionResponse(
    scope: OwnerScope,
    id: string,
    transition: ResponseTransition,
    options?: SignalOption,
  ): Promise<boolean>;
  /** Deletes expired responses (of every owner); maintenance runs it with `purgeExpired`. */
  purgeExpiredResponses(options?: SignalOption): Promise<number>;
}
