import { createLogger, type GatewayConfig, guardHttpServer, type Logger, parseSettings } from '@exai/core';
import { startSimulator } from '@exai/provider-simulator';
import type { SharedState, Store } from '@exai/store';
import { createToolRegistry, type Gateway, openGateway } from '@exai/tools';
import { buildApp } from './app.js';
import { authFromSettings } from './auth.js';
import type { App, AppDeps } from './deps.js';
import { errorBody } from './errors.js';
import { type CreateMetricsOptions, createMetrics } from './metrics.js';
import type { HealthState } from './routes/health.js';
import { hostGuardOf, isLoopback, type ServerSettings } from './settings.js';
import type { Peers } from './workers.js';
import { attachWebSocket } from './ws.js';

export const SERVER_NAME = 'exai-http';
export const SERVER_VERSION = '0.1.0';

export interface StartServerOptions {
  config: GatewayConfig;
  settings: ServerSettings;
  /** Interface to bind. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger?: Logger;
  /** Environment the tool registry reads its `EXAI_*` defaults from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Identifies this instance in shared breaker state. */
  instanceId?: string;
  /** An engine and store to use instead of those built from `config` (closed with the server). */
  gateway?: Gateway;
  /** A worker of `--workers N`: its group (metrics and dashboard of every worker) and the primary's shared state. */
  group?: { peers: Peers; sharedState?: SharedState };
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  app: App;
  deps: AppDeps;
  /**
   * Graceful stop: `/readyz` turns 503, no new connections, in-flight requests and streams get up to
   * `graceMs` to finish (then their connections are closed), the engine drains and closes.
   * Resolves true when everything finished within the grace period.
   */
  close(graceMs?: number): Promise<boolean>;
}

/** Refused start-up (exit code 2): bad settings, or no keys on a non-loopback bind. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** The app's deps over a gateway: its engine and store, the config, logger and auth, and its engine's metrics. */
export function gatewayDeps(
  gateway: Pick<Gateway, 'engine' | 'store'>,
  parts: Pick<AppDeps, 'config' | 'logger' | 'auth'>,
  metrics: Omit<CreateMetricsOptions, 'engine'> = {},
): AppDeps {
  const { engine, store } = gateway;
  return { engine, store, ...parts, metrics: createMetrics({ engine, ...metrics }) };
}

async function storeHasKeys(store: Store, logger: Logger): Promise<boolean> {
  try {
    const keys = await store.listApiKeys({ limit: 100, signal: AbortSignal.timeout(5_000) });
    return keys.some((key) => key.revokedAt === null);
  } catch (error) {
    logger.warn({ err: error }, 'could not list the stored API keys; only EXAI_API_KEYS apply');
    return false;
  }
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, settings } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: SERVER_NAME });
  // OpenTelemetry only when an endpoint is configured: its packages are not even loaded otherwise.
  const tracing = settings.tracing
    ? await import('@exai/otel').then(({ openTracing }) =>
        openTracing(settings.tracing!, { name: SERVER_NAME, version: SERVER_VERSION }),
      )
    : undefined;
  // The composition root: store, adapters (the simulator's in first-run mode, without keys), engine.
  const gateway =
    options.gateway ??
    (await openGateway({
      config,
      logger,
      firstRun: () => startSimulator({ port: 0 }),
      ...(options.group?.sharedState ? { sharedState: options.group.sharedState } : {}),
      ...(options.instanceId ? { instanceId: options.instanceId } : {}),
      ...(tracing ? { tracer: tracing.tracer } : {}),
    }));
  const { engine, store } = gateway;
  try {
    const auth = authFromSettings(settings, { store, logger, storeHasKeys: await storeHasKeys(store, logger) });
    if (auth.open && !isLoopback(options.host) && !settings.allowNoAuth) {
      throw new StartupError(
        `Refusing to listen on ${options.host} without API keys: set EXAI_API_KEYS (or create keys in the store), ` +
          'bind to 127.0.0.1, or set EXAI_ALLOW_NO_AUTH=1 to serve without authentication.',
      );
    }
    const deps: AppDeps = {
      ...gatewayDeps(gateway, { config, logger, auth }, options.group ? { peers: options.group.peers } : {}),
      ...(tracing ? { tracing } : {}),
      // A remote server reads no local files unless the operator names folders (EXAI_ALLOWED_ROOTS):
      // the MCP app's default (the working directory) would expose the server's own files.
      tools: createToolRegistry({
        engine,
        store,
        server: { name: SERVER_NAME, version: SERVER_VERSION },
        allowedRoots: parseSettings(options.env ?? process.env).settings.EXAI_ALLOWED_ROOTS ?? [],
        ...(options.env ? { env: options.env } : {}),
      }),
    };
    const health: HealthState = { draining: false };
    const hostGuard = hostGuardOf(settings, options.host, auth.open);
    const app = await buildApp(deps, { settings, health, hostGuard });
    // Before listen: every socket gets an error listener at accept, bad HTTP a clean 400/408/431, timeouts deliberate.
    guardHttpServer(app.server, {
      limits: settings.http,
      errorBody: (answer) => errorBody(answer.message, 'invalid_request_error', answer.code),
      onSocketError: (error) => logger.debug({ err: error }, 'client socket error'),
    });
    await app.listen({ host: options.host, port: options.port });
    const websocket = attachWebSocket(app.server, deps, { hostGuard });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
    logger.info(
      { host: options.host, port, simulated: engine.simulated, auth: auth.open ? 'open' : 'keys' },
      'exai-http listening',
    );
    if (engine.simulated) logger.warn('no provider key is configured: serving the built-in simulator (first-run mode)');
    if (auth.open) logger.warn('no API key is configured: requests are not authenticated');

    let closing: Promise<boolean> | undefined;
    const close = (graceMs = settings.shutdownGraceMs): Promise<boolean> => {
      closing ??= (async () => {
        const deadline = Date.now() + graceMs;
        health.draining = true;
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
          timer.unref();
        });
        const websocketClosed = websocket.close(graceMs);
        // Keep-alive connections become idle as their last response ends: close them as they do.
        const sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
        const httpDrained = await Promise.race([app.close().then(() => true), expired]);
        clearInterval(sweeper);
        clearTimeout(timer);
        if (!httpDrained) {
          app.server.closeAllConnections();
          await app.close();
        }
        await websocketClosed;
        const engineDrained = await gateway.close(Math.max(0, deadline - Date.now()));
        await tracing
          ?.shutdown()
          .catch((error: unknown) => logger.warn({ err: error }, 'exporting the last spans failed'));
        logger.info({ httpDrained, engineDrained }, 'exai-http stopped');
        return httpDrained && engineDrained;
      })();
      return closing;
    };
    return { url: `http://${shownHost}:${port}`, port, host: options.host, app, deps, close };
  } catch (error) {
    await gateway.close(0).catch(() => undefined);
    await tracing?.shutdown().catch(() => undefined);
    throw error;
  }
}
