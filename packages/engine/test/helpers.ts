import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type GatewayConfig, type GatewayConfigInput, type Logger, loadConfig } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import type { Store } from '@exai/store';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildAdapters, createEngine, type Engine, openStore } from '../src/index.js';

/**
 * What an app's composition root does, for tests: the store and the adapters from `config`, the
 * engine over them. The engine's `close` also closes the store here, so tests close one thing.
 */
export async function openEngine(
  config: GatewayConfig,
  options: { logger?: Logger; instanceId?: string } = {},
): Promise<{ engine: Engine; store: Store }> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'exai' });
  const store = await openStore(config, logger);
  const engine = createEngine({
    config,
    adapters: buildAdapters(config),
    store,
    logger,
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
  });
  const close = engine.close.bind(engine);
  engine.close = async (graceMs) => {
    try {
      return await close(graceMs);
    } finally {
      await store.close();
    }
  };
  return { engine, store };
}

/**
 * An engine over two OpenAI-compatible providers on one simulator: `primary` serving
 * `model-a` (32k context) and `backup` serving `model-b` (also `model-big`, 200k context).
 * Scenarios are scripted per model id on the simulator. `backupPrefill`: model-b takes an assistant prefill;
 * `primaryTier`: model-a's catalog tier.
 */
export async function setup(
  overridden: Partial<GatewayConfigInput> | ((baseURL: string) => Partial<GatewayConfigInput>) = {},
  options: { backupPrefill?: boolean; primaryTier?: 'fast' | 'balanced' | 'deep' } = {},
): Promise<{ sim: Simulator; engine: Engine; store: Store; close: () => Promise<void> }> {
  const sim = await startSimulator({ port: 0 });
  const base = sim.baseURL('openai');
  const overrides = typeof overridden === 'function' ? overridden(base) : overridden;
  const config = loadConfig({
    env: {},
    input: {
      providers: {
        primary: {
          kind: 'openai-compatible',
          baseURL: base,
          apiKey: 'test-key-primary',
          models: [
            { id: 'model-a', contextWindow: 32_000, ...(options.primaryTier ? { tier: options.primaryTier } : {}) },
          ],
        },
        backup: {
          kind: 'openai-compatible',
          baseURL: base,
          apiKey: 'test-key-backup',
          models: [
            { id: 'model-b', contextWindow: 32_000, ...(options.backupPrefill ? { prefill: true } : {}) },
            { id: 'model-big', contextWindow: 200_000 },
          ],
        },
      },
      fallbacks: { 'model-a': ['backup/model-b'] },
      timeouts: { requestMs: 8_000, attemptMs: 1_000, firstTokenMs: 600, idleMs: 400 },
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 3_000 },
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, rollingWindowMs: 5_000, resetTimeoutMs: 700 },
      store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-engine-')) },
      logLevel: 'silent',
      ...overrides,
    },
  });
  const { engine, store } = await openEngine(config);
  return {
    sim,
    engine,
    store,
    close: async () => {
      await engine.close(1_000);
      await sim.close();
    },
  };
}

export const ask = (model: string, text = 'hello there') => ({
  model,
  messages: [{ role: 'user' as const, content: text }],
});

/** Attempts that reached the simulator for one model. */
export function hits(sim: Simulator, model: string) {
  return sim.log.filter((attempt) => attempt.model === model && attempt.path.endsWith('/chat/completions'));
}

export async function collect(stream: AsyncIterable<{ choices: Array<{ delta: { content?: string } }> }>) {
  let text = '';
  let error: unknown;
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  } catch (caught) {
    error = caught;
  }
  return { text, error };
}

/**
 * One simulator for a test file (reset after each test, closed after the file) and the engines its tests
 * open (push them on `engines`: closed after each test).
 */
export function simulatorPerFile(): { readonly sim: Simulator; readonly engines: Engine[] } {
  let sim: Simulator | undefined;
  const engines: Engine[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterAll(async () => sim?.close());
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close(500)));
    sim?.reset();
  });
  return {
    get sim() {
      if (!sim) throw new Error('the simulator starts in beforeAll');
      return sim;
    },
    engines,
  };
}
