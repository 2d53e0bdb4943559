import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll } from 'vitest';

export const CLI = resolve(import.meta.dirname, '../dist/cli.js');

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;

/** A simulator and the environment that points every provider at it, with a fresh data directory. */
export async function simulatorEnvironment(): Promise<{
  sim: Simulator;
  env: Record<string, string>;
  dataDir: string;
  cleanup: () => Promise<void>;
}> {
  const sim = await startSimulator({ port: 0 });
  const dataDir = mkdtempSync(join(tmpdir(), 'exai-mcp-test-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dataDir,
    EXAI_DATA_DIR: dataDir,
    EXAI_LOG_LEVEL: 'warn',
    EXAI_ALLOWED_ROOTS: resolve(import.meta.dirname, '..'),
    GLM_API_KEY: 'k',
    GLM_BASE_URL: sim.baseURL('glm'),
    KIMI_API_KEY: 'k',
    KIMI_BASE_URL: sim.baseURL('kimi'),
    MINIMAX_API_KEY: 'k',
    MINIMAX_BASE_URL: sim.baseURL('minimax'),
    OPENAI_API_KEY: 'k',
    OPENAI_BASE_URL: sim.baseURL('openai'),
  };
  return {
    sim,
    env,
    dataDir,
    cleanup: async () => {
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `simulatorEnvironment` for a whole test file: made before its tests (with `extra` in the environment),
 * cleaned up after them (after the file's own `afterAll`s). Read `sim` and `env` inside tests.
 */
export function useSimulatorEnvironment(extra: Record<string, string> = {}): {
  readonly sim: Simulator;
  readonly env: Record<string, string>;
} {
  // Filled in by beforeAll, before any test reads it.
  const suite = {} as { sim: Simulator; env: Record<string, string> };
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const made = await simulatorEnvironment();
    Object.assign(made.env, extra);
    ({ sim: suite.sim, env: suite.env, cleanup } = made);
  });
  afterAll(async () => cleanup?.());
  return suite;
}

export interface TextResult {
  content: Array<{ type: string; text?: string }>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
  structuredContent?: Record<string, unknown>;
}

export const textOf = (result: unknown) => ((result as TextResult).content[0]?.text ?? '') as string;

/** The thread id an answer reports in its metadata. */
export const continuationOf = (result: unknown) =>
  ((result as TextResult)._meta?.exai as { continuation_id?: string } | undefined)?.continuation_id;

/**
 * Estimated tokens (JSON characters / 4) of what a host puts in the model's context from a
 * tools/list answer: names, titles, descriptions, input schemas and annotations. Output schemas are
 * for the client to check results against and are not counted (see `listingTokensOf`).
 */
export const tokensOf = (tools: Array<Record<string, unknown>>) =>
  listingTokensOf(tools.map(({ outputSchema: _output, ...rest }) => rest));

/** Estimated tokens of the whole tools/list answer, output schemas included. */
export const listingTokensOf = (tools: unknown[]) => Math.ceil(JSON.stringify(tools).length / 4);
