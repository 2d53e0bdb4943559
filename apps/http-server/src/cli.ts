import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, installProcessGuard, loadConfig } from '@exai/core';
import { keysUsage, runKeys } from './keys-cli.js';
import { SERVER_VERSION, StartupError, startServer } from './server.js';
import { readSettings } from './settings.js';
import { isWorker, joinPrimary, parseWorkers, runPrimary } from './workers.js';

const usage = `Usage: exai-http [--port 8080] [--host 127.0.0.1] [--config gateway.yaml] [--workers 1]
       exai-http keys create|list|show|revoke ...   (exai-http keys --help)

  --port     port to listen on (PORT, default 8080)
  --host     interface to bind (HOST; default 127.0.0.1; the Docker image sets HOST=0.0.0.0)
  --config   gateway configuration, JSON or YAML (EXAI_CONFIG); environment variables override it
  --workers  processes serving the port (EXAI_WORKERS; a number or 'auto' for every CPU; default 1,
             the Docker image sets auto); they share breakers and limits through Redis when configured,
             through the primary process otherwise
`;

/** Exit code 2 with the list of problems: no stack trace for a configuration mistake. */
function refuse(message: string): never {
  process.stderr.write(`exai-http: ${message}\n`);
  process.exit(2);
}

/** `HOST`, else loopback. The Docker image sets `HOST=0.0.0.0`, so a container listens on every interface. */
function defaultHost(env: NodeJS.ProcessEnv): string {
  return env.HOST?.trim() || '127.0.0.1';
}

/** `exai-http keys ...`: key management on the configured store, no server started. */
async function keys(args: string[]): Promise<void> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(keysUsage);
    return;
  }
  const configIndex = args.findIndex((arg) => arg === '--config' || arg === '-c');
  const file = configIndex >= 0 ? args[configIndex + 1] : undefined;
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env: process.env, ...(file ? { file } : {}) });
  } catch (error) {
    if (error instanceof ConfigError) refuse(error.message);
    throw error;
  }
  try {
    process.exitCode = await runKeys(args, config, (text) => process.stdout.write(text));
  } catch (error) {
    refuse((error as Error).message);
  }
}

/**
 * V8 tuning for a gateway, set at start before the server loads (decision 0034); a flag given to node itself wins
 * (Node refuses these flags in NODE_OPTIONS).
 * - V8 lets the old generation grow to up to 4x its live size between full collections; under load a gateway's
 *   short-lived request objects are promoted at MBs a second, so peak RSS follows that factor, not the live set.
 *   A lower factor (EXAI_HEAP_GROWTH_PERCENT, default 50: 1.5x) keeps the peak near the live set.
 * - Allocation-site pretenuring off: V8 allocates objects of a site whose objects survived straight in the old
 *   generation; a request's objects die in a millisecond, but pretenured ones keep what they point to alive through
 *   every scavenge until the next full GC. Off, 20 % fewer bytes are promoted and the scavenges' pauses are 25 %
 *   shorter at 500 req/s, and saturated req/s is 3-5 % higher.
 */
function tuneV8(growthPercent: number): void {
  const has = (flag: string) => process.execArgv.some((arg) => arg.replace(/_/g, '-').startsWith(flag));
  if (growthPercent > 0 && !has('--heap-growing-percent'))
    setFlagsFromString(`--heap-growing-percent=${growthPercent}`);
  if (!has('--allocation-site-pretenuring') && !has('--no-allocation-site-pretenuring'))
    setFlagsFromString('--no-allocation-site-pretenuring');
}

async function main(): Promise<void> {
  if (process.argv[2] === 'keys') return keys(process.argv.slice(3));
  let values: { port?: string; host?: string; config?: string; workers?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        config: { type: 'string', short: 'c' },
        workers: { type: 'string', short: 'w' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    refuse(`${(error as Error).message}\n\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  if (values.version) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return;
  }
  const env = process.env;
  const portText = values.port ?? env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) refuse(`--port: expected a port number, got '${portText}'`);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env, ...(values.config ? { file: values.config } : {}) });
  } catch (error) {
    if (error instanceof ConfigError) refuse(error.message);
    throw error;
  }
  const { settings, errors } = readSettings(env);
  if (errors.length > 0) refuse(`Invalid environment:\n${errors.map((line) => `  - ${line}`).join('\n')}`);
  tuneV8(settings.heapGrowthPercent);
  const workers = parseWorkers(values.workers ?? env.EXAI_WORKERS, availableParallelism());
  if (typeof workers === 'string') refuse(workers);
  if (workers > 1 && !isWorker()) {
    const code = await runPrimary({
      workers,
      shutdownGraceMs: settings.shutdownGraceMs,
      onListening: (url) => process.stdout.write(`${url}\n`),
      log: (message) => process.stderr.write(`exai-http: ${message}\n`),
    });
    process.exit(code);
  }
  // A worker shares breakers and limits through Redis when configured, else through its primary.
  const link = isWorker() ? joinPrimary() : undefined;
  const group = link && {
    peers: link.peers,
    ...(config.store.redisUrl ? {} : { sharedState: link.sharedState }),
  };
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      config,
      settings,
      host: values.host ?? defaultHost(env),
      port,
      ...(group ? { group } : {}),
    });
  } catch (error) {
    if (error instanceof StartupError) refuse(error.message);
    throw error;
  }
  // Last resort: a socket error nothing caught is logged and the server keeps serving; any other uncaught
  // error drains (as SIGTERM does) and exits 1.
  installProcessGuard({
    name: 'exai-http',
    drain: () => server.close(),
    drainTimeoutMs: settings.shutdownGraceMs + 5_000,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`exai-http: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`exai-http: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  if (link) {
    // The primary decides when its workers stop (a terminal's Ctrl-C reaches the whole group).
    link.onStop(() => {
      if (!stopping) stop('SIGTERM');
    });
    process.on('SIGTERM', () => undefined);
    process.on('SIGINT', () => undefined);
    link.listening(server.url);
    return;
  }
  process.stdout.write(`${server.url}\n`);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`exai-http: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
