import {
  createHostGuard,
  type Env,
  formatSettingsIssue,
  type HostGuard,
  type HttpServerLimits,
  httpServerLimitsOf,
  isLoopback,
  issuesOf,
  parseSettings,
  type TracingSettings,
  tracingSettingsOf,
} from '@exai/core';

/**
 * The HTTP server's own settings, read from the environment (the gateway's config file covers the engine). Every
 * variable is documented in @exai/core's README.
 */
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
  /**
   * `EXAI_ALLOWED_HOSTS`, comma-separated `Host` names (no port) served besides loopback names and the bind address.
   */
  allowedHosts: string[];
  /** `EXAI_ALLOWED_ORIGINS`, comma-separated browser origins (`https://app.example.com`) besides the server's own. */
  allowedOrigins: string[];
  /** `EXAI_RATE_LIMIT_RPM`: requests per minute per key; 0 turns the limit off. Default 0. */
  rateLimitRpm: number;
  /** `EXAI_ALLOW_NO_AUTH=1`: start bound beyond loopback with no key configured. */
  allowNoAuth: boolean;
  /** `EXAI_SHUTDOWN_GRACE_MS`: how long SIGTERM waits for in-flight requests and streams. Default 30000. */
  shutdownGraceMs: number;
  /** `EXAI_HEAP_GROWTH_PERCENT`: V8's `--heap-growing-percent` for this process; 0 leaves V8's own. Default 50. */
  heapGrowthPercent: number;
  /** `EXAI_MAX_BODY_BYTES`: JSON body limit. Default 10 MiB. */
  maxBodyBytes: number;
  /** `EXAI_MAX_FILE_BYTES`: upload limit of `/v1/files`. Default 50 MiB. */
  maxFileBytes: number;
  /** `EXAI_MODELS_CACHE_MS`: how long `/v1/models` reuses the providers' lists. Default 60000. */
  modelsCacheMs: number;
  /**
   * Connection limits and timeouts (`EXAI_HEADERS_TIMEOUT_MS`, `EXAI_MAX_CONNECTIONS`, ...): see `HttpServerLimits` in
   * @exai/core.
   */
  http: HttpServerLimits;
  /** The `OTEL_EXPORTER_OTLP_*` variables and `OTEL_SERVICE_NAME`: traces over OTLP/HTTP; off without an endpoint. */
  tracing?: TracingSettings;
}

/**
 * The exai-http slice of @exai/core's settings schema (every variable, its type, default and description);
 * `errors` names every bad variable the server reads (`EXAI_RATE_LIMIT_RPM: expected ...`).
 */
export function readSettings(env: Env): { settings: ServerSettings; errors: string[] } {
  const { settings: all, issues } = parseSettings(env);
  const tracing = tracingSettingsOf(all, 'exai-http');
  const settings: ServerSettings = {
    apiKeys: all.EXAI_API_KEYS,
    adminKeys: all.EXAI_ADMIN_KEYS,
    loopbackAdmin: all.EXAI_LOOPBACK_ADMIN,
    allowedHosts: all.EXAI_ALLOWED_HOSTS,
    allowedOrigins: all.EXAI_ALLOWED_ORIGINS,
    rateLimitRpm: all.EXAI_RATE_LIMIT_RPM,
    allowNoAuth: all.EXAI_ALLOW_NO_AUTH,
    shutdownGraceMs: all.EXAI_SHUTDOWN_GRACE_MS,
    heapGrowthPercent: all.EXAI_HEAP_GROWTH_PERCENT,
    maxBodyBytes: all.EXAI_MAX_BODY_BYTES,
    maxFileBytes: all.EXAI_MAX_FILE_BYTES,
    modelsCacheMs: all.EXAI_MODELS_CACHE_MS,
    http: httpServerLimitsOf(all),
    ...(tracing ? { tracing } : {}),
  };
  return { settings, errors: issuesOf(issues, 'exai-http').map(formatSettingsIssue) };
}

/** One rule for loopback, in `@exai/core` (both apps use it). */
export { isLoopback };

/**
 * The `Host`/`Origin` allow-list of a server bound to `bindHost`: loopback names, a specific bind
 * address, `EXAI_ALLOWED_HOSTS`. A wildcard bind (`0.0.0.0`) with keys and no host list accepts any
 * `Host` (the key is the protection, as in exai-mcp); without keys (`open`) it accepts addresses and
 * loopback names only, since a rebinding page always sends its own domain name.
 */
export function hostGuardOf(
  settings: Pick<ServerSettings, 'allowedHosts' | 'allowedOrigins'>,
  bindHost: string,
  open: boolean,
): HostGuard {
  return createHostGuard({
    bindHost,
    allowedHosts: settings.allowedHosts,
    allowedOrigins: settings.allowedOrigins,
    checkWildcard: open,
  });
}
