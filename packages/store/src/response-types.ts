/** Stored Responses API answers and the exact response cache: the types of responses.ts and response-cache.ts. */
import type { JsonObject, JsonValue, SignalOption } from './types.js';

/** A stored Responses API answer: the response object, the conversation it ends, its input items (opaque JSON). */
export interface StoredResponseRecord {
  id: string;
  owner: string;
  createdAt: number;
  expiresAt: number;
  response: JsonObject;
  conversation: JsonValue[];
  inputItems: JsonValue[];
  /** `completed` unless the response runs in the background: `queued`, `in_progress`, `failed`, `cancelled`. */
  status: string;
}

export interface NewStoredResponse {
  id: string;
  response: JsonObject;
  conversation: JsonValue[];
  inputItems: JsonValue[];
  /** Default `completed`. */
  status?: string;
}

/** A background response's next state, written only while its status is one of `from`. */
export interface ResponseTransition {
  from: readonly string[];
  status: string;
  response: JsonObject;
  conversation?: JsonValue[];
}

/**
 * Storage of the exact response cache: opaque text under a request digest, per owner, with an expiry
 * (`response-cache.ts`). Redis when the store has a Redis URL, the database otherwise.
 */
export interface ResponseCache {
  readonly kind: 'redis' | 'database';
  /** The live entry of this owner under `key`, or undefined (missing, expired, or written by another owner). */
  get(owner: string, key: string, options?: SignalOption): Promise<string | undefined>;
  /** Stores (or replaces) this owner's entry under `key` for `ttlMs`. */
  set(owner: string, key: string, value: string, ttlMs: number, options?: SignalOption): Promise<void>;
  /** Deletes expired entries of every owner (the database backend; Redis expires them itself). */
  purgeExpired(options?: SignalOption): Promise<number>;
  close(): Promise<void>;
}
