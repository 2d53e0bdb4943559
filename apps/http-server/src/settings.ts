import { type Env, type HttpServerLimits, readHttpServerLimits } from '@exai/core';

/** The HTTP server's own settings, read from the environment (the gateway's config file covers the engine). */
export interface ServerSettings {
  /** `EXAI_API_KEYS`, comma-separated. */
  apiKeys: string[];
  /** `EXAI_ADMIN_KEYS`, comma-separated: `/metrics` and `/dashboard` from beyond loopback. */
  adminKeys: string[];
  /** `EXAI_RATE_LIMIT_RPM`: requests per minute per key; 0 turns the limit off. Default 0. */
  rateLimitRpm: number;
  /** `EXAI_ALLOW_NO_AUTH=1`: start bound beyond loopback with no key configured. */
  allowNoAuth: boolean;
  /** `EXAI_SHUTDOWN_GRACE_MS`: how long SIGTERM waits for in-flight requests and streams. Default 30000. */
  shutdownGraceMs: number;
  /** `EXAI_MAX_BODY_BYTES`: JSON body limit. Default 10 MiB. */
  maxBodyBytes: number;
  /** `EXAI_MAX_FILE_BYTES`: upload limit of `/v1/files`. Default 50 MiB. */
  maxFileBytes: number;
  /** `EXAI_MODELS_CACHE_MS`: how long `/v1/models` reuses the providers' lists. Default 60000. */
  modelsCacheMs: number;
  /** Connection limits and timeouts (`EXAI_HEADERS_TIMEOUT_MS`, `EXAI_MAX_CONNECTIONS`, ...): see `HttpServerLimits` in @exai/core. */
  http: HttpServerLimits;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

function integer(env: Env, name: string, fallback: number, errors: string[]): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    errors.push(`${name}: expected a non-negative integer, got '${raw}'`);
    return fallback;
  }
  return value;
}

/** Reads the settings; `errors` names every bad variable. */
export function readSettings(env: Env): { settings: ServerSettings; errors: string[] } {
  const http = readHttpServerLimits(env);
  const errors: string[] = [...http.errors];
  const settings: ServerSettings = {
    apiKeys: list(env.EXAI_API_KEYS),
    adminKeys: list(env.EXAI_ADMIN_KEYS),
    rateLimitRpm: integer(env, 'EXAI_RATE_LIMIT_RPM', 0, errors),
    allowNoAuth: env.EXAI_ALLOW_NO_AUTH === '1' || env.EXAI_ALLOW_NO_AUTH === 'true',
    shutdownGraceMs: integer(env, 'EXAI_SHUTDOWN_GRACE_MS', 30_000, errors),
    maxBodyBytes: integer(env, 'EXAI_MAX_BODY_BYTES', 10 * 1024 * 1024, errors),
    maxFileBytes: integer(env, 'EXAI_MAX_FILE_BYTES', 50 * 1024 * 1024, errors),
    modelsCacheMs: integer(env, 'EXAI_MODELS_CACHE_MS', 60_000, errors),
    http: http.limits,
  };
  return { settings, errors };
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || plain === 'localhost' || plain.startsWith('127.');
}
