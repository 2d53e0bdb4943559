import {
  both,
  doc,
  flag,
  key,
  list,
  logLevels,
  oneOf,
  otlpHeaders,
  otlpProtocol,
  override,
  paths,
  text,
  toolProfiles,
} from './setting-fields.js';

/**
 * The settings rows of what the gateway does with a call (part of the one table in settings.ts, in the README's
 * order): providers, engine overrides, storage, the response cache, tracing and tools.
 */
export const gatewaySettings = {
  // --- providers (no key at all: first-run mode, the built-in simulator answers)
  OPENAI_API_KEY: key('OpenAI key (several: comma-separated, tried in order)'),
  OPENAI_BASE_URL: key('OpenAI base URL'),
  GLM_API_KEY: key('GLM (Z.ai) key; `ZAI_API_KEY`, `ZHIPUAI_API_KEY` are read when it is unset'),
  ZAI_API_KEY: key('GLM key, second choice'),
  ZHIPUAI_API_KEY: key('GLM key, third choice'),
  GLM_BASE_URL: key('GLM base URL'),
  KIMI_API_KEY: key('Kimi (Moonshot) key; `MOONSHOT_API_KEY` is read when it is unset'),
  MOONSHOT_API_KEY: key('Kimi key, second choice'),
  KIMI_BASE_URL: key('Kimi base URL'),
  MINIMAX_API_KEY: key('MiniMax key'),
  MINIMAX_BASE_URL: key('MiniMax base URL'),
  // --- engine (override the config file)
  EXAI_DEFAULT_MODEL: doc(text(), {
    description: 'model used when a request names none',
    default: 'auto',
    apps: both,
    overrides: 'defaultModel',
  }),
  EXAI_LOG_LEVEL: doc(oneOf(logLevels), {
    description: `log level: ${logLevels.join(', ')}`,
    default: 'info',
    apps: both,
    overrides: 'logLevel',
  }),
  EXAI_REQUEST_TIMEOUT_MS: doc(override(1), {
    description: 'deadline of one request, every attempt included',
    default: '120000',
    apps: both,
    overrides: 'timeouts.requestMs',
  }),
  EXAI_FIRST_TOKEN_TIMEOUT_MS: doc(override(1), {
    description:
      "a stream must send its first token within this time (every model; unset: the model's tier decides, fast 10 " +
      's, balanced 30 s, deep 120 s)',
    default: '',
    apps: both,
    overrides: 'timeouts.firstTokenMs',
  }),
  EXAI_IDLE_TIMEOUT_MS: doc(override(1), {
    description: 'a stream silent this long is cut',
    default: '30000',
    apps: both,
    overrides: 'timeouts.idleMs',
  }),
  EXAI_BREAKER_FIRST_PROBE_MS: doc(override(1), {
    description: 'an open circuit breaker lets its first half-open probe through after this long',
    default: '1000',
    apps: both,
    overrides: 'breaker.firstProbeMs',
  }),
  EXAI_BREAKER_MAX_PROBE_MS: doc(override(1), {
    description: 'each failed probe doubles the wait before the next, up to this',
    default: '15000',
    apps: both,
    overrides: 'breaker.resetTimeoutMs',
  }),
  EXAI_MAX_CONCURRENCY: doc(override(1), {
    description: 'requests in flight across every provider',
    default: '256',
    apps: both,
    overrides: 'concurrency.global',
  }),
  EXAI_PROVIDER_CONCURRENCY: doc(override(1), {
    description: 'requests in flight per provider',
    default: '16',
    apps: both,
    overrides: 'concurrency.perProvider',
  }),
  EXAI_MAX_QUEUE: doc(override(0), {
    description: 'requests waiting for a slot; more are refused',
    default: '1000',
    apps: both,
    overrides: 'concurrency.maxQueue',
  }),
  // --- storage and shared state
  EXAI_DATA_DIR: doc(text(), {
    description: 'SQLite database and file contents (`/data` in the image)',
    default: '~/.exai',
    apps: both,
    overrides: 'store.dataDir',
  }),
  DATABASE_URL: doc(text(), {
    description: 'PostgreSQL instead of SQLite (several instances)',
    default: '',
    apps: both,
    overrides: 'store.databaseUrl',
  }),
  REDIS_URL: doc(text(), {
    description: 'shared breakers, rate limits and slots across instances; exai-mcp: SSE events any instance replays',
    default: '',
    apps: both,
    overrides: 'store.redisUrl',
  }),
  EXAI_REDIS_PREFIX: doc(text(), {
    description: 'prefix of every Redis key (several gateways on one Redis)',
    default: 'exai:',
    apps: both,
    overrides: 'store.redisPrefix',
  }),
  EXAI_REQUEST_LOG_RETENTION_DAYS: doc(override(0), {
    description: 'days the request log is kept; 0 keeps it forever',
    default: '30',
    apps: both,
    overrides: 'store.requestLogRetentionDays',
  }),
  // --- exact response cache (docs/decisions/0024-response-cache-and-tracing.md)
  EXAI_CACHE_ROUTES: doc(list(), {
    description:
      'routes whose answers are cached, comma-separated (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`; ' +
      '`*` all); in Redis when `REDIS_URL` is set, else the database',
    default: '',
    apps: both,
    overrides: 'cache.routes',
  }),
  EXAI_CACHE_KEYS: doc(list(), {
    description: 'API key ids whose answers are cached, comma-separated (`*` all); each key sees only its own entries',
    default: '',
    apps: both,
    overrides: 'cache.keys',
  }),
  EXAI_CACHE_TTL_MS: doc(override(1), {
    description: 'how long a cached answer is reused',
    default: '3600000',
    apps: both,
    overrides: 'cache.ttlMs',
  }),
  EXAI_CACHE_MAX_BYTES: doc(override(1), {
    description: 'answers larger than this (serialised) are not cached',
    default: '1048576',
    apps: both,
    overrides: 'cache.maxEntryBytes',
  }),
  EXAI_CACHE_ANY_TEMPERATURE: doc(flag(), {
    description: '`1`: cache requests with a temperature above 0 or unset too (by default only `temperature: 0`)',
    default: 'off',
    apps: both,
    overrides: 'cache.anyTemperature',
  }),
  // --- tracing (both apps, through @exai/otel)
  OTEL_EXPORTER_OTLP_ENDPOINT: doc(text(), {
    description:
      'OTLP/HTTP base URL (`http://collector:4318`): traces of every request (exai-http) and `tools/call` ' +
      '(exai-mcp) are exported to `<it>/v1/traces` (GenAI conventions, W3C `traceparent` header or `_meta` ' +
      'honoured); unset (and no `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) = tracing off, its packages never loaded',
    default: '',
    apps: both,
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: doc(text(), {
    description:
      'the full URL traces are sent to, used as is (`http://collector:4318/v1/traces`); wins over ' +
      '`OTEL_EXPORTER_OTLP_ENDPOINT`, and turns tracing on by itself',
    default: '',
    apps: both,
  }),
  OTEL_EXPORTER_OTLP_PROTOCOL: doc(otlpProtocol(), {
    description: 'OTLP encoding: `http/protobuf` or `http/json`; `grpc` is refused at start',
    default: 'http/protobuf',
    apps: both,
  }),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: doc(otlpProtocol(), {
    description: 'the same for traces; wins over `OTEL_EXPORTER_OTLP_PROTOCOL`',
    default: 'http/protobuf',
    apps: both,
  }),
  OTEL_EXPORTER_OTLP_HEADERS: doc(otlpHeaders(), {
    description:
      'headers sent with every export, `name=value` pairs separated by commas, values percent-encoded ' +
      '(`authorization=Bearer%20tok`); never logged',
    default: '',
    apps: both,
  }),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: doc(otlpHeaders(), {
    description: 'more headers for trace exports, winning over `OTEL_EXPORTER_OTLP_HEADERS` name by name; never logged',
    default: '',
    apps: both,
  }),
  OTEL_SERVICE_NAME: doc(text(), {
    description: 'the `service.name` of exported traces (default: the program, `exai-http` or `exai-mcp`)',
    default: 'exai-http / exai-mcp',
    apps: both,
  }),
  // --- tools (exai-mcp; exai-http's /v1/tools and /v1/ws)
  EXAI_TOOL_PROFILE: doc(oneOf(toolProfiles), {
    description: `tool profile: ${toolProfiles.join(', ')} (exai-mcp: \`--profile\` wins)`,
    default: 'standard',
    apps: both,
  }),
  EXAI_ENABLED_TOOLS: doc(list(), {
    description: 'tools added to the profile, comma-separated',
    default: '',
    apps: both,
  }),
  EXAI_DISABLED_TOOLS: doc(list(), {
    description: 'tools removed from the profile, comma-separated',
    default: '',
    apps: both,
  }),
  EXAI_ROLES: doc(text(), {
    description: 'JSON role overrides: `{ "coder": { "model": "glm", "systemPrompt": "...", "stance": "for" } }`',
    default: '',
    apps: both,
  }),
  EXAI_ALLOWED_ROOTS: doc(paths(), {
    description:
      'folders (`path.delimiter`-separated) the file tools may read; unset: none for exai-http (tools taking ' +
      'local paths answer that reading files is disabled), the current directory for exai-mcp',
    default: '',
    apps: both,
  }),
};
