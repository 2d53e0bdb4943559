#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { formatSettingsIssue, issuesOf, parseSettings } from '@exai/core/settings';
import type { ListedTool } from '@exai/tools';
import packageJson from '../package.json' with { type: 'json' };
import type { ToolRunner } from './entries.js';
import type { Runtime } from './runtime.js';

const HELP = `exai-mcp ${packageJson.version} — the EX-AI gateway as an MCP server

Usage: exai-mcp [--http [--port 8765] [--host 127.0.0.1]] [--profile lean|standard|full]

  (default)        stdio transport: stdout carries only the protocol, logs go to stderr
  --http           Streamable HTTP at http://HOST:PORT/mcp (2026-07-28 and 2025, stateless; Host/Origin checks)
  --port N         HTTP port (default 8765; 0 = any free port)
  --host H         HTTP bind address (default 127.0.0.1; beyond loopback needs EXAI_MCP_TOKEN)
  --profile P      tool profile (default EXAI_TOOL_PROFILE or standard)
  --conformance    (with --http) add the fixture tools/prompts the MCP conformance suite calls

Environment: GLM_API_KEY, KIMI_API_KEY, MINIMAX_API_KEY, OPENAI_API_KEY (none: simulated models),
EXAI_DATA_DIR, EXAI_TOOL_PROFILE, EXAI_ENABLED_TOOLS, EXAI_DISABLED_TOOLS, EXAI_ROLES, EXAI_ALLOWED_ROOTS,
EXAI_MCP_TOKEN, EXAI_MCP_TOKENS, EXAI_MCP_ADMIN_TOKENS, EXAI_MCP_ALLOWED_HOSTS, EXAI_MCP_ALLOWED_ORIGINS, EXAI_CONFIG,
EXAI_LOG_LEVEL, EXAI_MCP_SESSIONS (default off), EXAI_MCP_SESSION_IDLE_MS (default 1800000),
EXAI_MCP_MAX_SESSIONS (default 1000),
EXAI_MCP_PROGRESS_INTERVAL_MS (default 15000); every variable,
its default and meaning: the table in @exai/core's README. A bad value exits 2 naming the variable.
`;

const fail = (message: string): never => {
  process.stderr.write(`exai-mcp: ${message}\n`);
  process.exit(1);
};

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        http: { type: 'boolean', default: false },
        port: { type: 'string' },
        host: { type: 'string' },
        profile: { type: 'string' },
        conformance: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${HELP}`);
  }
})();

if (parsed.help) {
  process.stderr.write(HELP);
  process.exit(0);
}
if (parsed.version) {
  process.stderr.write(`${packageJson.version}\n`);
  process.exit(0);
}
const profile = parsed.profile;
if (profile !== undefined && !['lean', 'standard', 'full'].includes(profile))
  fail(`--profile must be lean, standard or full, got '${profile}'`);
const env = { ...process.env, ...(profile ? { EXAI_TOOL_PROFILE: profile } : {}) };
// Every variable exai-mcp reads, checked before anything starts: exit 2 naming each bad one (as exai-http).
const { settings, issues } = parseSettings(env);
const badSettings = issuesOf(issues, 'exai-mcp');
if (badSettings.length > 0) {
  process.stderr.write(
    `exai-mcp: invalid environment:\n${badSettings.map((issue) => `  - ${formatSettingsIssue(issue)}`).join('\n')}\n`,
  );
  process.exit(2);
}

async function runtime(): Promise<Runtime> {
  const { loadRuntime } = await import('./runtime.js');
  return loadRuntime({ version: packageJson.version, env });
}

/**
 * SIGINT/SIGTERM close and exit 0; the last-resort guard keeps serving after a socket error nothing caught
 * and closes and exits 1 after any other uncaught error.
 */
let installGuard: (() => void) | undefined;

async function shutdownOn(close: () => Promise<unknown>, { guardLater = false } = {}): Promise<void> {
  let settled: Promise<unknown> | undefined;
  const closeOnce = () => {
    settled ??= close();
    return settled;
  };
  // Loaded lazily like the engine, so stdio answers `initialize` without waiting for it.
  const guard = async () => {
    const { installProcessGuard } = await import('@exai/core');
    installProcessGuard({ name: 'exai-mcp', drain: closeOnce, drainTimeoutMs: 5_000 });
  };
  // stdio: installed once the engine has loaded (see deferredRuntime).
  if (guardLater) installGuard = () => void guard();
  else await guard();
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(0), 5_000);
    timer.unref();
    closeOnce().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return Promise.resolve();
}

/**
 * The first line on stdin decides the era: `initialize` is a 2025 client (SDK 1.x below, as ever);
 * anything else (`server/discover`, a request with the 2026 `_meta` envelope) is served as
 * 2026-07-28 by SDK v2. The line is put back for the transport that reads it.
 */
async function firstMessageIsInitialize(): Promise<boolean> {
  const chunk = await new Promise<Buffer>((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
  process.stdin.unshift(chunk);
  const line = chunk.toString('utf8').split('\n', 1)[0] ?? '';
  try {
    return (JSON.parse(line) as { method?: unknown }).method === 'initialize';
  } catch {
    return true; // not JSON (or a longer line): the 1.x transport answers it as it always has
  }
}

/**
 * The engine, store and simulator for stdio, loaded once the opening and the first listing are
 * answered (their module loading would otherwise hold those answers up on a busy CPU): after the
 * first input beyond the opening line, at the first tool call, or 300 ms after start at the latest.
 */
function deferredRuntime(): { loading: Promise<Runtime>; start: () => void } {
  let start!: () => void;
  const started = new Promise<void>((resolve) => {
    start = resolve;
  });
  const timer = setTimeout(start, 300);
  const loading = started.then(() => {
    clearTimeout(timer);
    return runtime();
  });
  // The last-resort guard (@exai/core) is installed with the engine, not before the opening.
  loading.then(
    () => installGuard?.(),
    () => undefined,
  );
  return { loading, start };
}

/**
 * After the first-line peek: starts the engine's load once the client sends more than its opening
 * (the first chunk seen here is the opening put back by the peek; it counts if it holds more lines).
 */
function startOnMoreInput(start: () => void): void {
  let seen = 0;
  const more = (chunk: Buffer) => {
    seen += 1;
    if (seen > 1 || chunk.toString('utf8').trim().includes('\n')) {
      process.stdin.off('data', more);
      setTimeout(start, 0); // after the answer to this input is written
    }
  };
  process.stdin.on('data', more);
}

/** The one tenant of stdio (its one client is the local user): the engine's `localOwner`. */
const localRunner = (loading: Promise<Runtime>, start: () => void) => (): Promise<ToolRunner> => {
  start();
  return loading.then(async (loaded) => {
    const [{ localOwner }, { toolTracingOf }] = await Promise.all([import('@exai/engine'), import('./entries.js')]);
    return { registry: loaded.registry, scope: { owner: localOwner }, tracing: toolTracingOf(loaded) };
  });
};

async function stdioModern(
  { loading, start }: ReturnType<typeof deferredRuntime>,
  listing: Promise<ListedTool[]>,
): Promise<void> {
  // SDK v2 only: neither SDK 1.x's server nor the engine is needed to answer the listing.
  const [{ serveStdio }, modern, entries, { ToolTable }, { AbortingTaskStore }, listed] = await Promise.all([
    import('@modelcontextprotocol/server/stdio'),
    import('./modern.js'),
    import('./entries.js'),
    import('./tool-table.js'),
    import('./tasks.js'),
    listing,
  ]);
  const tasks = new AbortingTaskStore();
  // Tools and prompts are answered from the build-time listing at once; a call awaits the engine.
  const table = new ToolTable();
  for (const entry of entries.listedToolEntriesOf(listed, localRunner(loading, start))) table.add(entry);
  const options = {
    version: packageJson.version,
    heartbeatMs: settings.EXAI_MCP_PROGRESS_INTERVAL_MS,
    tableOf: () => table,
    tasksOf: () => tasks,
    prompts: entries.promptEntriesOf(listed),
  };
  // The scope is unused here: the one table and task store above are the local tenant's.
  const handle = serveStdio(() => modern.createModernServer(options, { owner: 'local' }), { legacy: 'reject' });
  // Paused by the first-line peek: flowing again now that the transport listens.
  setImmediate(() => process.stdin.resume());
  const close = async () => {
    tasks.close();
    await handle.close().catch(() => undefined);
    await (await loading.catch(() => undefined))?.close(2_000);
  };
  process.stdin.once('end', () => {
    close().finally(() => process.exit(0));
  });
  await shutdownOn(close, { guardLater: true });
}

async function stdio(): Promise<void> {
  const deferred = deferredRuntime();
  const { loading, start } = deferred;
  loading.catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
  // The listing is static data (written by @exai/tools' build): tools/list does not wait for the engine.
  const listing = import('@exai/tools/listing').then(({ toolListing }) => toolListing(env, undefined, settings));
  const initialize = await firstMessageIsInitialize();
  startOnMoreInput(start);
  if (!initialize) return stdioModern(deferred, listing);
  const [{ StdioServerTransport }, { createBareServer, registerListedTools, toolCallsInFlight }, listed] =
    await Promise.all([import('@modelcontextprotocol/sdk/server/stdio.js'), import('./mcp-server.js'), listing]);
  const server = createBareServer({
    version: packageJson.version,
    heartbeatMs: settings.EXAI_MCP_PROGRESS_INTERVAL_MS,
  });
  // Tools and prompts from the listing before connecting; each call awaits the engine.
  registerListedTools(server, listed, localRunner(loading, start));
  // Breaker state changes as log messages, once the engine is there.
  void Promise.all([loading, import('./wire.js')]).then(([loaded, { logBreakers }]) => logBreakers(server, loaded));
  await server.connect(new StdioServerTransport());
  // Paused by the first-line peek: flowing again now that the transport listens.
  process.stdin.resume();
  const close = async () => {
    await server.close().catch(() => undefined);
    const loaded = await loading.catch(() => undefined);
    await loaded?.close(2_000);
  };
  // Input closed: answer what is already queued, then leave.
  process.stdin.once('end', () => {
    const idle = async () => {
      start();
      await loading;
      do await new Promise((resolve) => setTimeout(resolve, 50));
      while (toolCallsInFlight() > 0);
    };
    const settle = Promise.race([idle(), new Promise((resolve) => setTimeout(resolve, 30_000))]);
    settle.then(close, close).finally(() => process.exit(0));
  });
  await shutdownOn(close, { guardLater: true });
}

async function http(): Promise<void> {
  const loaded = await runtime();
  const [
    { startHttpServer },
    wire,
    { httpServerLimitsOf },
    { createEventLog },
    { tenantTasks },
    modern,
    table,
    fixtures,
  ] = await Promise.all([
    import('./http-server.js'),
    import('./wire.js'),
    import('@exai/core'),
    import('@exai/store'),
    import('./tasks.js'),
    import('./modern.js'),
    import('./tool-table.js'),
    parsed.conformance ? import('./conformance-fixtures.js') : undefined,
  ]);
  // Tasks live in the store, per tenant: any instance on the same database answers for them.
  const tasks = tenantTasks(async () => loaded.store);
  // 2026-07-28 (SDK v2, stateless): one tool table per tenant, every request answered from it.
  const mcp = await import('./mcp-server.js');
  const { promptEntriesOf, toolEntriesOf } = mcp;
  const tables = new Map<string, InstanceType<typeof table.ToolTable>>();
  const modernHandler = modern.createModernHandler({
    version: packageJson.version,
    heartbeatMs: settings.EXAI_MCP_PROGRESS_INTERVAL_MS,
    tasksOf: (scope) => tasks.of(scope),
    prompts: [...promptEntriesOf(loaded.registry.list()), ...(fixtures ? fixtures.CONFORMANCE_PROMPTS : [])],
    tableOf: (scope) => {
      const key = `${scope.admin ? 'admin:' : ''}${scope.owner}`;
      let found = tables.get(key);
      if (!found) {
        found = new table.ToolTable();
        for (const entry of toolEntriesOf(loaded.registry, scope, wire.toolTracingOf(loaded))) found.add(entry);
        if (fixtures) {
          fixtures.registerConformanceTools(found);
          fixtures.registerTaskFixtures(found);
        }
        tables.set(key, found);
      }
      return found;
    },
  });
  const port = parsed.port === undefined ? 8765 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0-65535, got '${parsed.port}'`);
  // SSE events for Last-Event-ID: in Redis when REDIS_URL is set, so another instance can replay them.
  const events = createEventLog({
    ...(settings.REDIS_URL ? { redisUrl: settings.REDIS_URL } : {}),
    prefix: settings.EXAI_REDIS_PREFIX,
  });
  const running = await startHttpServer({
    events,
    host: parsed.host ?? '127.0.0.1',
    port,
    ...(settings.EXAI_MCP_TOKEN ? { token: settings.EXAI_MCP_TOKEN } : {}),
    tokens: settings.EXAI_MCP_TOKENS,
    adminTokens: settings.EXAI_MCP_ADMIN_TOKENS,
    allowedHosts: settings.EXAI_MCP_ALLOWED_HOSTS,
    allowedOrigins: settings.EXAI_MCP_ALLOWED_ORIGINS,
    sessionIdleMs: settings.EXAI_MCP_SESSION_IDLE_MS,
    maxSessions: settings.EXAI_MCP_MAX_SESSIONS,
    sessions: settings.EXAI_MCP_SESSIONS,
    modern: {
      isLegacy: (request, body) => modern.isLegacyRequest(request, body),
      fetch: (request, scope) =>
        modernHandler.fetch(request, { authInfo: { token: '', clientId: scope.owner, scopes: [], extra: { scope } } }),
    },
    limits: httpServerLimitsOf(settings),
    createServer: (scope) => {
      const server = mcp.createBareServer({
        version: packageJson.version,
        heartbeatMs: settings.EXAI_MCP_PROGRESS_INTERVAL_MS,
        tasks: tasks.of(scope),
      });
      wire.wireServer(server, loaded, scope);
      fixtures?.registerConformanceFixtures(server);
      return server;
    },
  });
  process.stderr.write(`exai-mcp listening on ${running.url}\n`);
  await shutdownOn(async () => {
    await running.close();
    await events.close();
    await modernHandler.close();
    tasks.close();
    await loaded.close(2_000);
  });
}

(parsed.http ? http() : stdio()).catch((error: unknown) =>
  fail(error instanceof Error ? error.message : String(error)),
);
