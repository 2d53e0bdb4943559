import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger, OpenAIErrorBody, RateLimitDecision } from '@exai/core';
import { registerSecret } from '@exai/core';
import { localOwner, type OwnerScope, type Store } from '@exai/store';
import type { Auth, AuthCheckOptions, AuthResult, HeadersLike } from './deps.js';
import { isLoopback, type ServerSettings } from './settings.js';

export interface CreateAuthOptions {
  apiKeys: string[];
  adminKeys: string[];
  /** Clients on loopback count as admin without a key (`EXAI_LOOPBACK_ADMIN=1`). Default false. */
  loopbackAdmin?: boolean;
  /** Default requests per minute per key; 0 = no limit. A stored key's own `rateLimit` wins. */
  rateLimitRpm: number;
  store: Store;
  logger: Logger;
  /** True when the store holds at least one API key (checked at start-up). */
  storeHasKeys: boolean;
  /** How long a verified stored key is trusted before it is looked up again. Default 30 s. */
  storeCacheMs?: number;
  now?: () => number;
}

/** The keys, loopback admin and rate limit of the server's settings, as `createAuth` options (`rest` wins). */
export function authFromSettings(
  settings: ServerSettings,
  rest: Omit<CreateAuthOptions, 'apiKeys' | 'adminKeys' | 'loopbackAdmin' | 'rateLimitRpm'> &
    Partial<Pick<CreateAuthOptions, 'rateLimitRpm'>>,
): Auth {
  const { apiKeys, adminKeys, loopbackAdmin, rateLimitRpm } = settings;
  return createAuth({ apiKeys, adminKeys, loopbackAdmin, rateLimitRpm, ...rest });
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant time over the whole list: every configured key is compared, equal-length digests. */
function matchAny(candidate: Buffer, keys: Buffer[]): number {
  let found = -1;
  for (const [index, key] of keys.entries()) if (timingSafeEqual(candidate, key) && found === -1) found = index;
  return found;
}

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The bearer token of `Authorization`, or `x-api-key`. */
export function presentedKey(headers: HeadersLike): string | undefined {
  const authorization = header(headers, 'authorization');
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  return match?.[1]?.trim() || header(headers, 'x-api-key')?.trim() || undefined;
}

/**
 * The tenant of a verified caller: each key (configured or stored) is its own tenant; an admin key
 * is an admin scope (every tenant's threads and files, owner shown). In open mode every client is
 * the one local tenant, loopback or not, so a single user sees the same threads however they connect.
 */
export function callerScope(keyId: string, options: { admin?: boolean; open?: boolean } = {}): OwnerScope {
  if (options.open) return { owner: localOwner };
  return options.admin ? { owner: keyId, admin: true } : { owner: keyId };
}

const failure = (status: number, message: string, code: string): AuthResult => ({
  ok: false,
  status,
  body: {
    error: { message, type: status === 401 ? 'authentication_error' : 'permission_error', code, param: null },
  } satisfies OpenAIErrorBody,
});

/** API keys from the environment (compared in constant time) or the store (hashed), and per-key token buckets. */
export function createAuth(options: CreateAuthOptions): Auth {
  const now = options.now ?? Date.now;
  // The gateway's own keys never reach a log line or an error text (the logger masks registered secrets).
  for (const key of [...options.apiKeys, ...options.adminKeys]) registerSecret(key);
  const apiDigests = options.apiKeys.map(digest);
  const adminDigests = options.adminKeys.map(digest);
  const keyId = (keyDigest: Buffer, kind: 'key' | 'admin') => `${kind}:${keyDigest.toString('hex').slice(0, 16)}`;
  const cache = new Map<string, { id: string; owner: string; keyAdmin: boolean; until: number }>();
  const rates = new Map<string, number | null>();
  const tokenRates = new Map<string, number>();
  const cacheMs = options.storeCacheMs ?? 30_000;
  const open = apiDigests.length === 0 && adminDigests.length === 0 && !options.storeHasKeys;

  /**
   * `owner`: the tenant (a stored key's owner, else the key's id); `keyAdmin`: a stored key that manages its tenant's
   * keys.
   */
  type Identity = { id: string; admin: boolean; owner: string; keyAdmin: boolean };
  async function identify(key: string): Promise<Identity | undefined> {
    const keyDigest = digest(key);
    const configured = (id: string, admin: boolean) => ({ id, admin, owner: id, keyAdmin: admin });
    if (matchAny(keyDigest, adminDigests) !== -1) return configured(keyId(keyDigest, 'admin'), true);
    if (matchAny(keyDigest, apiDigests) !== -1) return configured(keyId(keyDigest, 'key'), false);
    const hex = keyDigest.toString('hex');
    const cached = cache.get(hex);
    if (cached && cached.until > now()) return { ...cached, admin: false };
    try {
      const record = await options.store.verifyApiKey(key);
      if (!record) return undefined;
      if (cache.size > 10_000) cache.clear();
      const identity = { id: record.id, owner: record.owner ?? record.id, keyAdmin: record.admin };
      cache.set(hex, { ...identity, until: now() + cacheMs });
      rates.set(record.id, record.rateLimit);
      if (record.tokensPerMinute) tokenRates.set(record.id, record.tokensPerMinute);
      else tokenRates.delete(record.id);
      return { ...identity, admin: false };
    } catch (error) {
      options.logger.warn({ err: error }, 'API key lookup in the store failed');
      return undefined;
    }
  }

  return {
    open,
    async check(headers: HeadersLike, checkOptions: AuthCheckOptions = {}): Promise<AuthResult> {
      const loopback = isLoopback(checkOptions.remoteAddress);
      const key = presentedKey(headers);
      if (checkOptions.admin) {
        if (loopback && options.loopbackAdmin === true)
          return { ok: true, keyId: 'loopback', scope: callerScope('loopback', { open }) };
        const identity = key ? await identify(key) : undefined;
        if (identity?.admin) return { ok: true, keyId: identity.id, scope: callerScope(identity.id, { admin: true }) };
        // Key management also admits a stored key with admin rights, for its own tenant's keys only.
        if (checkOptions.keyAdmin && identity?.keyAdmin)
          return { ok: true, keyId: identity.id, scope: callerScope(identity.owner), tenant: identity.owner };
        const message =
          'This endpoint needs an admin key (EXAI_ADMIN_KEYS); EXAI_LOOPBACK_ADMIN=1 lets clients on this machine ' +
          'in without one';
        return identity ? failure(403, message, 'admin_key_required') : failure(401, message, 'invalid_api_key');
      }
      if (open)
        return { ok: true, keyId: loopback ? 'loopback' : 'anonymous', scope: callerScope('anonymous', { open }) };
      if (!key) return failure(401, 'Missing API key: send Authorization: Bearer <key>', 'invalid_api_key');
      const identity = await identify(key);
      if (!identity) return failure(401, 'Invalid API key', 'invalid_api_key');
      return { ok: true, keyId: identity.id, scope: callerScope(identity.owner, { admin: identity.admin }) };
    },
    async limit(id: string): Promise<RateLimitDecision> {
      const tpm = tokenRates.get(id);
      // Tokens per minute: a call is let in while the key's token bucket is not empty; `countTokens` drains it.
      if (tpm) {
        const tokens = await options.store.shared.rateLimiter.take(`tpm:${id}`, {
          capacity: tpm,
          refillPerSecond: tpm / 60,
          cost: 0,
        });
        if (tokens.remaining < 1)
          return { allowed: false, remaining: 0, retryAfterMs: Math.max(1_000, Math.ceil(60_000 / tpm)) };
      }
      const rpm = rates.get(id) ?? options.rateLimitRpm;
      if (!rpm) return { allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: 0 };
      return options.store.shared.rateLimiter.take(`rate:${id}`, { capacity: rpm, refillPerSecond: rpm / 60 });
    },
    async countTokens(id: string, tokens: number): Promise<void> {
      const tpm = tokenRates.get(id);
      if (!tpm || tokens <= 0) return;
      const bucket = { capacity: tpm, refillPerSecond: tpm / 60 };
      const taken = await options.store.shared.rateLimiter.take(`tpm:${id}`, {
        ...bucket,
        cost: Math.min(tokens, tpm),
      });
      // More than is left: empty the bucket (a token bucket takes all of a cost or nothing).
      if (!taken.allowed && taken.remaining > 0)
        await options.store.shared.rateLimiter.take(`tpm:${id}`, { ...bucket, cost: taken.remaining });
    },
  };
}
