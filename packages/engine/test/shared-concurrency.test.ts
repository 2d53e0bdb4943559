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
