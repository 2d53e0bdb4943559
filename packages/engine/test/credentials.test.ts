import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, GatewayError, loadConfig } from '@exai/core';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../src/index.js';
import { ask, collect, hits, openEngine, simulatorPerFile } from './helpers.js';

// The provider rejecting the gateway's own key or balance: fail over at once, hold the key out,
// never answer 401/403 (those belong to the caller's gateway key). Recorded shapes of each
// provider are simulator scenarios (`key-invalid`, `key-invalid-200`, `billing`).

const redisUrl = process.env.EXAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
type Dialect = 'glm' | 'kimi' | 'minimax' | 'openai';
const primaryModel: Record<Dialect, string> = {
  glm: 'glm-4.6',
  kimi: 'kimi-k2-0905-preview',
  minimax: 'MiniMax-M2',
  openai: 'gpt-4o',
};

const file = simulatorPerFile();
const engines = file.engines;

interface EngineSetup {
  dialect?: Dialect;
  keys?: string[];
  fallback?: boolean;
  holdMs?: number;
  redisPrefix?: string;
  instanceId?: string;
  logLines?: string[];
}

async function engineFor(options: EngineSetup = {}): Promise<Engine> {
  const dialect = options.dialect ?? 'glm';
  const keys = options.keys ?? ['sim-key-1'];
  const config = loadConfig({
    env: {},
    input: {
      providers: {
        [dialect]: {
          kind: dialect,
          baseURL: file.sim.baseURL(dialect),
          apiKey: keys[0],
          ...(keys.length > 1 ? { keys } : {}),
        },
        // The fallback speaks another dialect, as a real second provider would.
        backup: {
          kind: 'openai-compatible',
          baseURL: file.sim.baseURL('openai'),
          apiKey: 'sim-key-backup',
          models: [{ id: 'backup-model' }],
        },
      },
      fallbacks: options.fallback === false ? {} : { [primaryModel[dialect]]: ['backup/backup-model'] },
      timeouts: { requestMs: 8_000, attemptMs: 2_000, firstTokenMs: 2_000, idleMs: 2_000 },
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
      breaker: { credentialHoldMs: options.holdMs ?? 60_000 },
      store: {
        dataDir: mkdtempSync(join(tmpdir(), 'exai-credentials-')),
        ...(options.redisPrefix ? { redisUrl, redisPrefix: options.redisPrefix } : {}),
      },
      logLevel: 'silent',
    },
  });
  const lines = options.logLines;
  const logger = lines
    ? createLogger({
        level: 'warn',
        destination: new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }),
      })
    : undefined;
  const { engine } = await openEngine(config, {
    ...(logger ? { logger } : {}),
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
  });
  engines.push(engine);
  return engine;
}

/** Chat calls that reached one dialect (a call refused for its key carries no model in the log). */
const calls = (dialect: Dialect) =>
  file.sim.log.filter((attempt) => attempt.dialect === dialect && attempt.path.endsWith('/chat/completions'));

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!GatewayError.isInstance(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

const cases: Array<{ dialect: Dialect; scenario: string; code: 'upstream_auth' | 'upstream_billing' }> = [
  { dialect: 'glm', scenario: 'key-invalid', code: 'upstream_auth' },
  { dialect: 'glm', scenario: 'billing', code: 'upstream_billing' }, // HTTP 429, code 1113
  { dialect: 'kimi', scenario: 'key-invalid', code: 'upstream_auth' },
  { dialect: 'kimi', scenario: 'billing', code: 'upstream_billing' }, // 429 exceeded_current_quota_error
  { dialect: 'minimax', scenario: 'key-invalid', code: 'upstream_auth' }, // 401 login fail (1004)
  { dialect: 'minimax', scenario: 'key-invalid-200', code: 'upstream_auth' }, // HTTP 200, base_resp 2049
  { dialect: 'minimax', scenario: 'billing', code: 'upstream_billing' }, // HTTP 200, base_resp 1008
  { dialect: 'openai', scenario: 'key-invalid', code: 'upstream_auth' },
  { dialect: 'openai', scenario: 'billing', code: 'upstream_billing' }, // 429 insufficient_quota
];

describe('a provider that rejects the gateway key or balance', () => {
  it.each(cases)(
    '$dialect $scenario: fails over at once (JSON and stream), one upstream call',
    async ({ dialect, scenario, code }) => {
      const engine = await engineFor({ dialect });
      const model = primaryModel[dialect];
      file.sim.script(model, scenario);
      const result = await engine.chat(ask(model));
      expect(result.exai.fellBack).toBe(true);
      expect(result.provider).toBe('backup');
      expect(result.exai.attempts.map((attempt) => attempt.outcome)).toEqual([code, 'ok']);
      // No retry on the same key: one request reached the rejecting provider.
      expect(hits(file.sim, model)).toHaveLength(1);

      // Held out now: the stream goes straight to the fallback, without asking the provider again.
      const stream = engine.stream(ask(model));
      const { text, error } = await collect(stream);
      expect(error).toBeUndefined();
      expect(text).toContain('Simulated answer');
      expect(stream.meta.provider).toBe('backup');
      expect(hits(file.sim, model)).toHaveLength(1);
    },
  );

  it('with no fallback: 502 with its own code and the redacted reason, then 503 while held out; never 401', async () => {
    const logLines: string[] = [];
    const engine = await engineFor({ dialect: 'glm', fallback: false, keys: ['broke-key-secret-value'], logLines });
    const first = await failure(engine.chat(ask('glm-4.6')));
    expect(first).toMatchObject({ code: 'upstream_billing', statusCode: 502, provider: 'glm' });
    expect(first.message).toContain('1113');
    expect(first.message).not.toContain('broke-key-secret-value');
    const second = await failure(engine.chat(ask('glm-4.6')));
    expect(second).toMatchObject({ code: 'upstream_billing', statusCode: 503, provider: 'glm' });
    expect(second.message).toMatch(/held out/);
    expect(calls('glm')).toHaveLength(1);
    const status = engine.status();
    expect(status.credentials).toEqual([
      expect.objectContaining({ provider: 'glm', key: 1, reason: 'upstream_billing' }),
    ]);
    expect(JSON.stringify(status)).not.toContain('broke-key-secret-value');
    expect(status.credentialFailures).toEqual({ glm: 1 });
    await failure(engine.chat(ask('glm-4.6')));
    // One warning per hold, not per request, and never the key.
    const holds = logLines.filter((line) => line.includes("rejected the gateway's key"));
    expect(holds).toHaveLength(1);
    expect(logLines.join('')).not.toContain('broke-key-secret-value');
  });

  it('two keys: a rejected key is held out and the second key serves, before any fail-over', async () => {
    const engine = await engineFor({ dialect: 'kimi', keys: ['bad-key-one', 'sim-key-two'] });
    const first = await engine.chat(ask('kimi-k2-0905-preview'));
    expect(first.provider).toBe('kimi');
    expect(first.exai.fellBack).toBe(false);
    expect(calls('kimi')).toHaveLength(2);
    // The next call uses the good key at once.
    const second = await engine.chat(ask('kimi-k2-0905-preview'));
    expect(second.provider).toBe('kimi');
    expect(calls('kimi')).toHaveLength(3);
    expect(engine.status().credentials).toEqual([
      expect.objectContaining({ provider: 'kimi', key: 1, reason: 'upstream_auth' }),
    ]);
  });

  it('after the hold one request re-checks the key; a key that works again serves', async () => {
    const engine = await engineFor({ dialect: 'openai', holdMs: 400 });
    file.sim.script('gpt-4o', 'key-invalid');
    expect((await engine.chat(ask('gpt-4o'))).provider).toBe('backup');
    file.sim.script('gpt-4o', null);
    expect((await engine.chat(ask('gpt-4o'))).provider).toBe('backup'); // still held
    expect(hits(file.sim, 'gpt-4o')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const checked = await engine.chat(ask('gpt-4o'));
    expect(checked.provider).toBe('openai');
    expect(engine.status().credentials).toEqual([]);
  });

  it('two instances on one Redis: the hold is honoured by the other, and re-checked by one of them', async () => {
    const redisPrefix = `exai-test-credentials-${process.pid}-${Date.now()}:`;
    const first = await engineFor({ dialect: 'minimax', holdMs: 1_500, redisPrefix, instanceId: 'one' });
    const second = await engineFor({ dialect: 'minimax', holdMs: 1_500, redisPrefix, instanceId: 'two' });
    file.sim.script('MiniMax-M2', 'key-invalid-200');
    expect((await first.chat(ask('MiniMax-M2'))).provider).toBe('backup');
    expect(hits(file.sim, 'MiniMax-M2')).toHaveLength(1);
    // The other instance skips the key without asking MiniMax (it reads the shared hold on first use).
    expect((await second.chat(ask('MiniMax-M2'))).provider).toBe('backup');
    expect(hits(file.sim, 'MiniMax-M2')).toHaveLength(1);
    expect(second.status().credentials).toEqual([
      expect.objectContaining({ provider: 'minimax', key: 1, reason: 'upstream_auth' }),
    ]);

    // The hold ends; a slow re-check is in flight on one instance while both take traffic.
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    // A slow re-check (1.5 s, within the 2 s attempt limit): every call below reaches the key while it is in flight.
    file.sim.script('MiniMax-M2', 'latency?ms=1500');
    const results = await Promise.all(
      [first, second, first, second, first, second].map((engine) => engine.chat(ask('MiniMax-M2'))),
    );
    expect(hits(file.sim, 'MiniMax-M2')).toHaveLength(2); // the first rejection, then exactly one re-check
    expect(results.filter((result) => result.provider === 'minimax')).toHaveLength(1);
    await expect.poll(() => second.status().credentials.length, { timeout: 3_000 }).toBe(0);
  });
});
