import { both, doc, flag, httpOnly, integer, list, mcpOnly, raw, text } from './setting-fields.js';

/**
 * The settings rows of who may connect and how (part of the one table in settings.ts, in the README's order): the
 * servers' addresses and limits, the connection limits, exai-http's keys and exai-mcp's tokens.
 */
export const listenerSettings = {
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
};
