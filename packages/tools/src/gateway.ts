import { createLogger, type GatewayConfig, type Logger, type Tracer } from '@exai/core';
import {
  buildAdapters,
  createEngine,
  type Engine,
  openStore,
  type SharedState,
  type SimulatedDialect,
  type Store,
  simulatedAdapters,
} from '@exai/engine';

/** A running provider simulator, as `startSimulator()` of `@exai/provider-simulator` returns it. */
export interface FirstRunSimulator {
  baseURL(dialect: SimulatedDialect): string;
  close(): Promise<void>;
}

export interface GatewayOptions {
  config: GatewayConfig;
  logger?: Logger;
  /** Identifies this instance in shared breaker state. */
  instanceId?: string;
  /**
   * First-run mode: with no provider configured, starts the built-in simulator and serves its four
   * dialects (every answer `simulated`). The apps pass `() => startSimulator({ port: 0 })`, so the
   * simulator is their dependency, not the engine's. Without it, no provider means no models.
   */
  firstRun?: () => Promise<FirstRunSimulator>;
  /** Spans for every engine call and attempt (exai-http wires OpenTelemetry here when it is configured). */
  tracer?: Tracer;
  /** Breakers, rate limits and provider slots held by another process (the primary of `--workers N`). */
  sharedState?: SharedState;
}

/** What a composition root built: the engine, and the store it was given (for the apps' own routes). */
export interface Gateway {
  engine: Engine;
  store: Store;
  /** Drains the engine (up to `graceMs`), then closes the store and the simulator. True when drained in time. */
  close(graceMs?: number): Promise<boolean>;
}

/**
 * The composition both apps share: the store and the provider adapters from the configuration
 * (or the simulator's in first-run mode), handed to `createEngine`.
 */
export async function openGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'exai' });
  const configured = buildAdapters(config);
  const simulator = configured.length === 0 && options.firstRun ? await options.firstRun() : undefined;
  const adapters = simulator ? simulatedAdapters((dialect) => simulator.baseURL(dialect)) : configured;
  const store = await openStore(config, logger, options.sharedState ? { sharedState: options.sharedState } : {}).catch(
    async (error: unknown) => {
      await simulator?.close();
      throw error;
    },
  );
  const engine = createEngine({
    config,
    adapters,
    store,
    logger,
    ...(simulator ? { simulated: true } : {}),
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
  let closing: Promise<boolean> | undefined;
  const close = (graceMs?: number): Promise<boolean> => {
    closing ??= (async () => {
      try {
        return await engine.close(graceMs);
      } finally {
        await store.close();
        await simulator?.close();
      }
    })();
    return closing;
  };
  return { engine, store, close };
}
