import { z } from 'zod';
import {
  both,
  doc,
  flag,
  httpOnly,
  integer,
  key,
  list,
  logLevels,
  mcpOnly,
  oneOf,
  otlpHeaders,
  otlpProtocol,
  override,
  paths,
  raw,
  type SettingDoc,
  type SettingsApp,
  settingsDocs,
  text,
  toolProfiles,
} from './setting-fields.js';

export {
  logLevels,
  type OtlpProtocol,
  otlpProtocols,
  type SettingDoc,
  type SettingsApp,
  settingsDocs,
  toolProfiles,
} from './setting-fields.js';
export { type TracingSettings, tracesUrl, tracingSettingsOf } from './tracing-settings.js';

/**
 * Every environment variable of both apps (exai-http, exai-mcp) in one zod schema: its type, default and
 * description. Keys are the variable names, so an error names the variable. `loadConfig` applies the
 * config overrides from here; each app reads its own slice (`readSettings` in exai-http, the MCP CLI).
 * The table in this package's README is generated from {@link settingsDocs} (`settingsTable()`).
 * This file is over 400 lines on purpose: it is that one table, in the README's order (the builders are in
 * setting-fields.ts, the OTLP reader in tracing-settings.ts); split across files, its rows become near-copies.
 */
const shape = {
  // --- server
  PORT: doc(integer(8080, 0, 65_535), { description: 'listen port (`--port` wins)', default: '8080', apps: httpOnly }),
  HOST: doc(
    raw().transform((value) => value ?? '127.0.0.1'),
    {
      description: 'bind address (`--host` wins); the Docker image sets `0.0.0.0`',
      default: '127.0.0.1',
      apps: httpOnly,
    },
  ),
  EXAI_WORKERS: doc(
    raw().refine(
      (value) => value === undefined || value.trim() === '' || value.trim() === 'auto' || /^\d+$/.test(value.trim()),
      {
        message: "expected a number of processes or 'auto'",
      },
    ),
    {
      description: 'processes serving the port (`--workers` wins); `auto` = every CPU; the Docker image sets `auto`',
      default: '1',
      apps: httpOnly,
    },
  ),
  EXAI_CONFIG: doc(text(), {
    description: 'gateway config file, JSON or YAML (`--config` wins)',
    default: '',
    apps: both,
  }),
  EXAI_SHUTDOWN_GRACE_MS: doc(integer(30_000), {
    description: 'SIGTERM: time for in-flight requests and streams to finish',
    default: '30000',
    apps: httpOnly,
  }),
  EXAI_HEAP_GROWTH_PERCENT: doc(integer(50, 0, 1_000), {
    description:
      "how far V8's heap may grow past its live size before a full GC (V8's `--heap-growing-percent`); " +
      'lower keeps peak memory near the live set at a little CPU; 0 = V8 decides (up to 4x)',
    default: '50',
    apps: httpOnly,
  }),
  EXAI_MAX_BODY_BYTES: doc(integer(10 * 1024 * 1024), {
    description: 'JSON body limit of chat, tools and the other JSON routes (413 above)',
    default: '10485760',
    apps: httpOnly,
  }),
  EXAI_MAX_FILE_BYTES: doc(integer(50 * 1024 * 1024), {
    description: 'upload limit of `/v1/files` (413 above)',
    default: '52428800',
    apps: httpOnly,
  }),
  EXAI_MODELS_CACHE_MS: doc(integer(60_000), {
    description: 'how long `/v1/models` reuses the providers\u2019 lists',
    default: '60000',
    apps: httpOnly,
  }),
  // --- connection limits (exai-http, exai-mcp --http)
  EXAI_HEADERS_TIMEOUT_MS: doc(integer(20_000), {
    description:
      'a connection must send a request\u2019s headers within this time (slowloris), else 408 and closed; not 0',
    default: '20000',
    apps: both,
  }),
  EXAI_REQUEST_RECEIVE_TIMEOUT_MS: doc(integer(300_000), {
    description:
      'the whole request (headers and body) must be received within this time, else 408; answers and streams are ' +
      'not cut; 0 = off',
    default: '300000',
    apps: both,
  }),
  EXAI_KEEP_ALIVE_TIMEOUT_MS: doc(integer(72_000), {
    description: 'an idle keep-alive connection is closed after this',
    default: '72000',
    apps: both,
  }),
  EXAI_MAX_REQUESTS_PER_SOCKET: doc(integer(1_000), {
    description: 'requests on one connection before it is closed; 0 = unlimited',
    default: '1000',
    apps: both,
  }),
  EXAI_MAX_CONNECTIONS: doc(integer(1_024), {
    description: 'open connections (WebSockets and streams included); more are dropped at accept; 0 = unlimited',
    default: '1024',
    apps: both,
  }),
  // --- exai-http auth and limits
  EXAI_API_KEYS: doc(list(), {
    description: 'client keys, comma-separated (keys created in the store work too)',
    default: '',
    apps: httpOnly,
  }),
  EXAI_ADMIN_KEYS: doc(list(), {
    description: 'admin keys, comma-separated: the only keys that read `/metrics` and the dashboard\u2019s feed',
    default: '',
    apps: httpOnly,
  }),
  EXAI_LOOPBACK_ADMIN: doc(flag(), {
    description:
      '`1`: clients on this machine count as admin without a key (leave off behind a reverse proxy on the same host)',
    default: 'off',
    apps: httpOnly,
  }),
  EXAI_ALLOWED_HOSTS: doc(list(), {
    description:
      '`Host` names (no port, comma-separated) served besides loopback names and a specific bind address; others ' +
      'get 421',
    default: '',
    apps: httpOnly,
  }),
  EXAI_ALLOWED_ORIGINS: doc(list(), {
    description: 'browser origins (`https://app.example.com`) allowed besides the server\u2019s own; others get 403',
    default: '',
    apps: httpOnly,
  }),
  EXAI_RATE_LIMIT_RPM: doc(integer(0), {
    description:
      'requests per minute per key: a token bucket of that capacity, shared through Redis when `REDIS_URL` is ' +
      'set; a stored key\u2019s own `rateLimit` wins; 0 = off',
    default: '0',
    apps: httpOnly,
  }),
  EXAI_ALLOW_NO_AUTH: doc(flag(), {
    description: '`1`: allow listening beyond loopback with no key configured',
    default: 'off',
    apps: httpOnly,
  }),
  // --- exai-mcp --http
  EXAI_MCP_TOKEN: doc(text(), {
    description: 'bearer token (required beyond loopback, this or `EXAI_MCP_TOKENS`)',
    default: '',
    apps: mcpOnly,
  }),
  EXAI_MCP_TOKENS: doc(list(), {
    description: 'more bearer tokens, comma-separated; each token is its own tenant',
    default: '',
    apps: mcpOnly,
  }),
  EXAI_MCP_ADMIN_TOKENS: doc(list(), {
    description: 'comma-separated tokens that see every tenant\u2019s threads and uploads',
    default: '',
    apps: mcpOnly,
  }),
  EXAI_MCP_ALLOWED_HOSTS: doc(list(), {
    description: 'extra `Host` names accepted, comma-separated',
    default: '',
    apps: mcpOnly,
  }),
  EXAI_MCP_ALLOWED_ORIGINS: doc(list(), {
    description: 'extra browser `Origin`s accepted, comma-separated',
    default: '',
    apps: mcpOnly,
  }),
  EXAI_MCP_SESSIONS: doc(flag(), {
    description:
      '`1`: 2025-era clients get Streamable HTTP sessions (`Mcp-Session-Id`, GET streams, resumable SSE) ' +
      'held by the instance that opened them; off: stateless, any instance answers any request ' +
      '(2026-07-28 is always stateless)',
    default: 'off',
    apps: mcpOnly,
  }),
  EXAI_MCP_SESSION_IDLE_MS: doc(integer(30 * 60_000, 1), {
    description:
      'a session with no request in flight (an open GET stream counts) is closed after this; its id then answers ' +
      '404 and the client re-initializes',
    default: '1800000',
    apps: mcpOnly,
  }),
  EXAI_MCP_MAX_SESSIONS: doc(integer(1_000, 1), {
    description: 'open sessions at most; an `initialize` beyond them gets 503 with `Retry-After`',
    default: '1000',
    apps: mcpOnly,
  }),
  EXAI_MCP_PROGRESS_INTERVAL_MS: doc(integer(15_000, 100), {
    description:
      'while a tool call with a progress token runs, a progress notification at least this often (resets client ' +
      'request timeouts)',
    default: '15000',
    apps: mcpOnly,
  }),
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

const fields = z.object(shape);
type Fields = z.output<typeof fields>;

/** Checks across variables: each adds an issue naming the variable to change. */
function crossCheck(settings: Fields, issues: SettingsIssue[]): void {
  if (settings.EXAI_HEADERS_TIMEOUT_MS === 0) {
    issues.push({
      variable: 'EXAI_HEADERS_TIMEOUT_MS',
      message: '0 would let a client hold a connection forever without sending a request',
    });
  }
  const receive = settings.EXAI_REQUEST_RECEIVE_TIMEOUT_MS;
  if (receive > 0 && settings.EXAI_HEADERS_TIMEOUT_MS > receive) {
    issues.push({
      variable: 'EXAI_HEADERS_TIMEOUT_MS',
      message: `must not exceed EXAI_REQUEST_RECEIVE_TIMEOUT_MS (${receive}), got ${settings.EXAI_HEADERS_TIMEOUT_MS}`,
    });
  }
}

/** Every environment variable of both apps. Parse with {@link parseSettings}, which names each bad variable. */
export const settingsSchema = fields.superRefine((settings, context) => {
  const issues: SettingsIssue[] = [];
  crossCheck(settings, issues);
  for (const issue of issues) context.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
});

export type Settings = Fields;
export type SettingName = keyof typeof shape;
export const settingNames = Object.keys(shape) as SettingName[];

export interface SettingsIssue {
  /** The variable's name. */
  variable: SettingName;
  message: string;
}

/**
 * Reads every variable. `issues` names each bad one (`EXAI_REQUEST_TIMEOUT_MS: expected a positive integer,
 * got 'abc'`); `settings` is always complete, a bad variable taking its default, so a caller that must
 * refuse to start does so on `issues.length > 0`.
 */
export function parseSettings(env: Record<string, string | undefined>): {
  settings: Settings;
  issues: SettingsIssue[];
} {
  const values: Record<string, string | undefined> = {};
  for (const name of settingNames) values[name] = env[name];
  const parsed = fields.safeParse(values);
  const issues: SettingsIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: issue.path[0] as SettingName, message: issue.message }));
  // A bad variable takes its default (each field's default is valid on its own).
  for (const issue of issues) values[issue.variable] = undefined;
  const settings = parsed.success ? parsed.data : fields.parse(values);
  crossCheck(settings, issues);
  return { settings, issues };
}

/** The documentation of one variable. */
export function settingDoc(name: SettingName): SettingDoc {
  const entry = settingsDocs.get(shape[name]);
  if (!entry) throw new Error(`${name} has no documentation`);
  return entry;
}

/** The issues of the variables `app` reads. */
export const issuesOf = (issues: readonly SettingsIssue[], app: SettingsApp): SettingsIssue[] =>
  issues.filter((issue) => settingDoc(issue.variable).apps.includes(app));

/** `NAME: message`, one line per issue. */
export const formatSettingsIssue = (issue: SettingsIssue): string => `${issue.variable}: ${issue.message}`;

/** The markdown table of every variable (the README's, kept in step by a test). */
export function settingsTable(): string {
  const rows = settingNames.map((name) => {
    const entry = settingDoc(name);
    const overrides = entry.overrides ? ` (overrides \`${entry.overrides}\`)` : '';
    return (
      `| \`${name}\` | ${entry.default ? `\`${entry.default}\`` : '—'} | ${entry.apps.join(', ')} | ` +
      `${entry.description}${overrides} |`
    );
  });
  return ['| variable | default | read by | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
