import { createHostGuard, type Env, type HostGuard, type HttpServerLimits, isLoopback, readHttpServerLimits } from '@exai/core';

/** The HTTP server's own settings, read from the environment (the gateway's config file covers the engine). */
export interface ServerSettings {
  /** `EXAI_API_KEYS`, comma-separated. */
  apiKeys: string[];
  /** `EXAI_ADMIN_KEYS`, comma-separated: the keys that may read `/metrics` and the dashboard's feed. */
  adminKeys: string[];
  /**
   * `EXAI_LOOPBACK_ADMIN=1`: clients on this machine (127.0.0.0/8, ::1) count as admin without a key,
   * e.g. for a local Prometheus. Default off: behind a reverse proxy on the same host every client is loopback.
   */
  loopbackAdmin: boolean;
  /** `EXAI_ALLOWED_HOSTS`, comma-separated `Host` names (no port) served besides loopback names and the bind address. */
  allowedHosts: string[];
  /** `EXAI_ALLOWED_ORIGINS`, comma-separated browser origins (`https://app.example.com`) besides the server's own. */
  allowedOrigins: string[];
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

const flag = (value: string | undefined): boolean => value === '1' || value === 'true';

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
    loopbackAdmin: flag(env.EXAI_LOOPBACK_ADMIN),
    allowedHosts: list(env.EXAI_ALLOWED_HOSTS),
    allowedOrigins: list(env.EXAI_ALLOWED_ORIGINS),
    rateLimitRpm: integer(env, 'EXAI_RATE_LIMIT_RPM', 0, errors),
    allowNoAuth: flag(env.EXAI_ALLOW_NO_AUTH),
    shutdownGraceMs: integer(env, 'EXAI_SHUTDOWN_GRACE_MS', 30_000, errors),
    maxBodyBytes: integer(env, 'EXAI_MAX_BODY_BYTES', 10 * 1024 * 1024, errors),
    maxFileBytes: integer(env, 'EXAI_MAX_FILE_BYTES', 50 * 1024 * 1024, errors),
    modelsCacheMs: integer(env, 'EXAI_MODELS_CACHE_MS', 60_000, errors),
    http: http.limits,
  };
  return { settings, errors };
}

/** One rule for loopback, in `@exai/core` (both apps use it). */
export { isLoopback };

/**
 * The `Host`/`Origin` allow-list of a server bound to `bindHost`: loopback names, a specific bind
 * address, `EXAI_ALLOWED_HOSTS`. A wildcard bind (`0.0.0.0`) with keys and no host list accepts any
 * `Host` (the key is the protection, as in exai-mcp); without keys (`open`) it accepts addresses and
 * loopback names only, since a rebinding page always sends its own domain name.
 */
export function hostGuardOf(settings: Pick<ServerSettings, 'allowedHosts' | 'allowedOrigins'>, bindHost: string, open: boolean): HostGuard {
  return createHostGuard({ bindHost, allowedHosts: settings.allowedHosts, allowedOrigins: settings.allowedOrigins, checkWildcard: open });
}
