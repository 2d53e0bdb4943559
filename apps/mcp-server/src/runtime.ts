import type { Tracer } from '@exai/core';
import type { Engine, Store } from '@exai/engine';
import type { ToolProfile, ToolRegistry } from '@exai/tools';

export interface Runtime {
  engine: Engine;
  registry: ToolRegistry;
  /** The engine's tracer, when tracing is on: `tools/call` spans are its spans' parents. */
  tracer?: Tracer;
  /** The gateway's store (threads, uploads, and the tasks of HTTP clients: shared by instances on one database). */
  store: Store;
  /** Drains the engine (up to `graceMs`), closes the store and the first-run simulator, exports the last spans. */
  close(graceMs?: number): Promise<boolean>;
}

export interface RuntimeOptions {
  version: string;
  profile?: ToolProfile;
  env?: Record<string, string | undefined>;
}

/**
 * Loads configuration, the engine and the tool registry. Imported lazily so the process can answer
 * `initialize` first; the store opens on first use and the simulator (no keys) starts here.
 */
export async function loadRuntime(options: RuntimeOptions): Promise<Runtime> {
  const [core, { startSimulator }, { createToolRegistry, openGateway }] = await Promise.all([
    import('@exai/core'),
    import('@exai/provider-simulator'),
    import('@exai/tools'),
  ]);
  const env = options.env ?? process.env;
  const config = core.loadConfig({ env });
  const logger = core.createLogger({ level: config.logLevel, name: 'exai-mcp' });
  // OpenTelemetry (@exai/otel) only when an OTLP endpoint is set: not even loaded otherwise.
  const traced = core.tracingSettingsOf(core.parseSettings(env).settings, 'exai-mcp');
  const tracing = traced
    ? await import('@exai/otel').then(({ openTracing }) =>
        openTracing(traced, { name: 'exai-mcp', version: options.version }),
      )
    : undefined;
  const tracer = tracing ? { tracer: tracing.tracer } : {};
  // The composition root: store, adapters (the simulator's in first-run mode, without keys), engine.
  const gateway = await openGateway({ config, logger, firstRun: () => startSimulator({ port: 0 }), ...tracer });
  const { engine, store } = gateway;
  if (engine.simulated)
    logger.warn(
      'no provider key configured: answers come from the built-in simulator ' +
        '(set GLM_API_KEY, KIMI_API_KEY, MINIMAX_API_KEY or OPENAI_API_KEY)',
    );
  const registry = createToolRegistry({
    engine,
    store,
    env,
    server: { name: '@exai/mcp-server', version: options.version },
    ...(options.profile ? { profile: options.profile } : {}),
  });
  const close = async (graceMs?: number) => {
    const drained = await gateway.close(graceMs);
    await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'exporting the last spans failed'));
    return drained;
  };
  return { engine, registry, store, ...tracer, close };
}
