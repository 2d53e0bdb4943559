import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GatewayConfigInput, loadConfig } from '@exai/core';
import type { Engine, Store } from '@exai/engine';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll } from 'vitest';
import { openGateway } from '../src/index.js';

export interface OpenedGateway {
  sim: Simulator;
  engine: Engine;
  store: Store;
}

/**
 * Before the file's tests: a simulator, a data directory and the gateway (`openGateway`) over providers of
 * `kinds` on the simulator, with `input` on top, handed to `ready`; after them, all closed and removed.
 */
export function gatewayForFile(
  kinds: ReadonlyArray<'glm' | 'kimi' | 'minimax' | 'openai'>,
  input: Omit<GatewayConfigInput, 'providers' | 'store' | 'logLevel'>,
  ready: (opened: OpenedGateway) => void,
): void {
  let opened: (OpenedGateway & { close: (graceMs?: number) => Promise<boolean>; dataDir: string }) | undefined;
  beforeAll(async () => {
    const sim = await startSimulator({ port: 0 });
    const dataDir = mkdtempSync(join(tmpdir(), 'exai-tools-'));
    const providers = Object.fromEntries(
      kinds.map((kind) => [kind, { kind, apiKey: 'k', baseURL: sim.baseURL(kind) }]),
    );
    const config = loadConfig({ env: {}, input: { providers, store: { dataDir }, logLevel: 'silent', ...input } });
    const { engine, store, close } = await openGateway({ config });
    opened = { sim, engine, store, close, dataDir };
    ready(opened);
  });
  afterAll(async () => {
    if (!opened) return;
    await opened.close(1_000);
    await opened.sim.close();
    rmSync(opened.dataDir, { recursive: true, force: true });
  });
}
