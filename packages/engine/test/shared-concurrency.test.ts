import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/index.js';
import { openEngine } from './helpers.js';

// Two gateway instances (two engines, each with its own session manager) share one Redis:
// a provider's `maxConcurrency` holds across both.
const redisUrl = process.env.EXAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let sim: Simulator;
const engines: Engine[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.close(1_000)));
  await sim?.close();
});

function maxOverlap(intervals: Array<[number, number]>): number {
  const events = intervals.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]);
  events.sort((left, right) => left[0]! - right[0]! || left[1]! - right[1]!);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) {
    current += delta!;
    peak = Math.max(peak, current);
  }
  return peak;
}

describe('per-provider concurrency across instances', () => {
  it('never has more than maxConcurrency calls in flight at the provider, whichever instance sends them', async () => {
    const provider = `shared${process.pid}x${Date.now()}`;
    for (let index = 0; index < 2; index++) {
      const config = loadConfig({
        env: {},
        input: {
          providers: {
            [provider]: {
              kind: 'openai-compatible',
              baseURL: sim.baseURL('openai'),
              apiKey: 'k',
              maxConcurrency: 2,
              models: [{ id: 'slow-model' }],
            },
          },
          store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-slots-')), redisUrl },
          logLevel: 'silent',
        },
      });
      engines.push((await openEngine(config)).engine);
    }
    sim.script('slow-model', 'latency?ms=150');
    const request = { model: 'slow-model', messages: [{ role: 'user' as const, content: 'hi' }] };
    const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => engines[index % 2]!.chat(request)));
    expect(answers).toHaveLength(12);
    const calls = sim.log.filter((attempt) => attempt.model === 'slow-model');
    expect(calls).toHaveLength(12);
    const peak = maxOverlap(calls.map((attempt) => [attempt.arrivedAt, attempt.arrivedAt + (attempt.durationMs ?? 0)]));
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
  });
});

describe('breakers across instances', () => {
  it('an instance that never called a provider reports its breaker open once another instance opened it', async () => {
    const primary = `breaker${process.pid}x${Date.now()}`;
    const base = sim.baseURL('openai');
    const pair: Engine[] = [];
    for (let index = 0; index < 2; index++) {
      const config = loadConfig({
        env: {},
        input: {
          providers: {
            [primary]: { kind: 'openai-compatible', baseURL: base, apiKey: 'k1', models: [{ id: 'model-o' }] },
            backup: { kind: 'openai-compatible', baseURL: base, apiKey: 'k2', models: [{ id: 'model-p' }] },
          },
          fallbacks: { 'model-o': ['backup/model-p'] },
          store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-breakers-')), redisUrl },
          logLevel: 'silent',
        },
      });
      pair.push((await openEngine(config)).engine);
    }
    engines.push(...pair);
    const [first, second] = pair as [Engine, Engine];
    const openOn = (engine: Engine) =>
      engine.status().breakers.filter((breaker) => breaker.key.startsWith(primary) && breaker.state === 'open');
    sim.script('model-o', 'http-503');
    const request = { model: 'model-o', messages: [{ role: 'user' as const, content: 'hi' }] };
    for (let call = 0; call < 4; call++) await first.chat(request);
    const opened = openOn(first).map((breaker) => breaker.key);
    expect(opened.length).toBeGreaterThan(0);
    // `second` has made no call at all: what it reports comes from Redis alone.
    const deadline = Date.now() + 5_000;
    while (openOn(second).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(openOn(second).map((breaker) => breaker.key)).toEqual(opened);
    expect(second.status().providers.find((provider) => provider.id === primary)?.breaker).toBe('open');
    sim.script('model-o', null);
  });
});
