import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayConfigInput } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, spawnApp } from './helpers.js';

/**
 * The real Codex CLI (`@openai/codex` from npm, its binary inside the package) against the built
 * `exai-http`: a custom model provider with `wire_api = "responses"` and `env_key`, a fresh
 * CODEX_HOME and HOME, offline (no login: the key comes from the variable; no update check, no
 * analytics). Codex offers its tools, the simulator calls the first one (`exec_command`) with the
 * prompt, Codex runs it and sends the output back, and the simulator's `Tool results: ...` answer
 * is what Codex prints.
 */

const CODEX = fileURLToPath(new URL('../node_modules/@openai/codex/bin/codex.js', import.meta.url));
const TIMEOUT_MS = 120_000;

function codexHome(baseURL: string, model: string): string {
  const home = mkdtempSync(join(tmpdir(), 'exai-codex-'));
  mkdirSync(join(home, '.codex'));
  mkdirSync(join(home, 'work'));
  writeFileSync(
    join(home, '.codex', 'config.toml'),
    [
      `model = "${model}"`,
      'model_provider = "exai"',
      'check_for_update_on_startup = false',
      '',
      '[analytics]',
      'enabled = false',
      '',
      '[model_providers.exai]',
      'name = "EX-AI gateway"',
      `base_url = "${baseURL}/v1"`,
      'wire_api = "responses"',
      'env_key = "EXAI_CODEX_KEY"',
      '',
    ].join('\n'),
  );
  return home;
}

async function runCodex(
  home: string,
  prompt: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CODEX, 'exec', '--skip-git-repo-check', prompt], {
    cwd: join(home, 'work'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      CODEX_HOME: join(home, '.codex'),
      EXAI_CODEX_KEY: 'sk-codex-local',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data) => {
    stdout += String(data);
  });
  child.stderr.on('data', (data) => {
    stderr += String(data);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS - 10_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const stop = async (app: AppProcess | undefined) => {
  if (!app || app.child.exitCode !== null) return;
  app.child.kill('SIGTERM');
  await app.exit;
};

describe('Codex CLI through exai-http', { timeout: TIMEOUT_MS }, () => {
  let firstRun: AppProcess;
  let configured: AppProcess;
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
    sim.script('glm-4.6', 'http-503');
    const config: GatewayConfigInput = {
      providers: {
        glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' },
        kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
      },
      fallbacks: { 'glm-4.6': ['kimi-k2-0905-preview'] },
      retry: { maxAttempts: 1, baseDelayMs: 1 },
      logLevel: 'warn',
    };
    [firstRun, configured] = await Promise.all([spawnApp({ config: { logLevel: 'warn' } }), spawnApp({ config })]);
  });
  afterAll(async () => {
    await Promise.all([stop(firstRun), stop(configured)]);
    await sim?.close();
  });

  it('codex exec gets the simulator answer from the gateway in first-run mode', async () => {
    const result = await runCodex(codexHome(firstRun.url, 'glm-4.6'), 'Say hello');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Tool results:');
    // The simulator's reasoning reached Codex as a reasoning summary.
    expect(result.stderr).toContain('Thinking about: Say hello');
  });

  it('codex exec is answered by the fallback when the primary answers 503', async () => {
    const result = await runCodex(codexHome(configured.url, 'glm-4.6'), 'Say hello');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Tool results:');
    const chats = sim.log.filter((row) => row.path.endsWith('/chat/completions'));
    expect(chats.some((row) => row.dialect === 'glm' && row.status === 503)).toBe(true);
    expect(chats.some((row) => row.dialect === 'kimi' && row.status === 200)).toBe(true);
  });
});
