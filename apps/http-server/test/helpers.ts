import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GatewayConfigInput, loadConfig } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import type OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { type RunningServer, readSettings, type ServerSettings, startServer } from '../src/index.js';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Gateway config whose providers are real adapters pointed at the simulator. */
export function simulatorConfig(sim: Simulator, extra: GatewayConfigInput = {}): GatewayConfigInput {
  return {
    providers: {
      glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' },
      kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
    },
    retry: { maxAttempts: 1, baseDelayMs: 1 },
    logLevel: 'silent',
    ...extra,
    store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-http-')), ...(extra.store ?? {}) },
  };
}

/** Providers of these kinds on the simulator's dialects, by their kind's name. */
export function simulatorProviders(
  sim: Simulator,
  kinds: ReadonlyArray<'glm' | 'kimi' | 'minimax' | 'openai'>,
): NonNullable<GatewayConfigInput['providers']> {
  return Object.fromEntries(kinds.map((kind) => [kind, { kind, baseURL: sim.baseURL(kind), apiKey: 'sim-key' }]));
}

export interface TestGateway {
  sim: Simulator;
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

export interface GatewayOptions {
  config?: GatewayConfigInput | ((sim: Simulator) => GatewayConfigInput);
  /** The app's settings variables (`EXAI_*` read by `readSettings`). */
  env?: Record<string, string>;
  /** The environment the engine and its tools see (e.g. `EXAI_ALLOWED_ROOTS`). Default none. */
  serverEnv?: Record<string, string>;
}

/** The app in-process on 127.0.0.1:0, over real adapters and a simulator it owns. */
export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const sim = await startSimulator({ port: 0 });
  const extra = typeof options.config === 'function' ? options.config(sim) : options.config;
  const config = loadConfig({ env: {}, input: simulatorConfig(sim, extra) });
  const settings: ServerSettings = readSettings(options.env ?? {}).settings;
  const server = await startServer({ config, settings, host: '127.0.0.1', port: 0, env: options.serverEnv ?? {} });
  return {
    sim,
    server,
    url: server.url,
    async close() {
      await server.close(1_000);
      await sim.close();
    },
  };
}

/**
 * What `start` resolves to, started before the enclosing suite's tests (a file or a `describe`) and closed after
 * them: `const gateway = beforeSuite(() => startGateway({ ... }))`, then `gateway()` in the tests.
 */
export function beforeSuite<T extends { close(): Promise<void> }>(start: () => Promise<T>): () => T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  });
  afterAll(() => value?.close());
  return () => {
    if (!value) throw new Error('beforeSuite: it starts in beforeAll');
    return value;
  };
}

/**
 * One gateway for the test file over the simulator's providers of `kinds` (started before its tests, closed after
 * them, the simulator reset before each test) and the SDK client `connect` makes for it: `file.gateway`, `file.client`.
 */
export function gatewayPerFile<Client>(
  kinds: Parameters<typeof simulatorProviders>[1],
  connect: (gateway: TestGateway) => Client,
  extra: GatewayConfigInput = {},
): { readonly gateway: TestGateway; readonly client: Client } {
  let started: { gateway: TestGateway; client: Client } | undefined;
  beforeAll(async () => {
    const gateway = await startGateway({ config: (sim) => ({ providers: simulatorProviders(sim, kinds), ...extra }) });
    started = { gateway, client: connect(gateway) };
  });
  afterAll(() => started?.gateway.close());
  beforeEach(() => started?.gateway.sim.reset());
  const get = () => {
    if (!started) throw new Error('gatewayPerFile: the gateway starts in beforeAll');
    return started;
  };
  return {
    get gateway() {
      return get().gateway;
    },
    get client() {
      return get().client;
    },
  };
}

const POSTGRES = process.env.EXAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Two gateways (each with its own simulator) sharing one fresh Postgres schema; `close` drops it. */
export async function startTwoOnPostgres(
  prefix: string,
): Promise<{ one: TestGateway; two: TestGateway; close(): Promise<void> }> {
  const schema = `${prefix}_${randomUUID().slice(0, 8)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const databaseUrl = `${POSTGRES}?options=-c%20search_path%3D${schema}`;
  const [one, two] = await Promise.all([
    startGateway({ config: { store: { databaseUrl } } }),
    startGateway({ config: { store: { databaseUrl } } }),
  ]);
  return {
    one,
    two,
    async close() {
      await Promise.all([one.close(), two.close()]);
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

/** A JSON body whose shape the test's assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions are the type check
export const json = (response: Response): Promise<any> => response.json();

/** Reads an SSE body into its `data:` payloads. */
export async function readEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6));
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

/** Asks `model` with `fallback` listed, through the OpenAI SDK: the fallback answers and the gateway says it fell back. */
export async function expectFallbackAnswers(
  client: OpenAI,
  request: { model: string; messages: Array<{ role: 'user'; content: string }> },
  fallback: string,
): Promise<void> {
  const answer = await client.chat.completions.create({ ...request, models: [fallback] } as never);
  expect(answer.model).toBe(fallback);
  expect((answer as unknown as { exai: { fell_back: boolean } }).exai.fell_back).toBe(true);
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface AppProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Spawns the built `exai-http` (with `nodeArgs` for node itself) and waits for the URL line it prints. */
export async function spawnApp(options: {
  config: GatewayConfigInput;
  env?: Record<string, string>;
  args?: string[];
  nodeArgs?: string[];
}): Promise<AppProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'exai-http-cli-'));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(options.config));
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), CLI, '--port', '0', '--config', file, ...(options.args ?? [])],
    {
      env: { PATH: process.env.PATH ?? '', EXAI_DATA_DIR: dir, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (data) => {
    stderr += String(data);
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  // The URL is a line of its own; node flags such as V8's traces may print around it.
  const url = await Promise.race([
    new Promise<string>((resolve) => {
      child.stdout?.on('data', (data) => {
        stdout += String(data);
        const line = /^https?:\/\/\S+$/m.exec(stdout)?.[0];
        if (line) resolve(line);
      });
    }),
    exit.then((code) => {
      throw new Error(`exai-http exited with ${code}: ${stderr}`);
    }),
  ]);
  return { child, url, stdout: () => stdout, stderr: () => stderr, exit };
}
