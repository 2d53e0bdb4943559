// The engine's added cost per request — resolution, breaker, session, accounting on the
// embedded store — against calling the same adapter directly, measured in the same run
// against the provider simulator on loopback.
// Usage: node bench/engine/run.mjs [requests-per-round]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '../../packages/core/dist/index.js';
import { buildAdapters, createEngine, openStore } from '../../packages/engine/dist/index.js';
import { startSimulator } from '../../packages/provider-simulator/dist/index.js';

const perRound = Number(process.argv[2] ?? 2_000);
const rounds = 5;
const sim = await startSimulator({ port: 0 });
const config = loadConfig({
  env: {},
  input: {
    providers: { glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'bench-key' } },
    store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-bench-engine-')) },
    logLevel: 'silent',
  },
});
const logger = createLogger({ level: config.logLevel, name: 'exai' });
const store = await openStore(config, logger);
const engine = createEngine({ config, adapters: buildAdapters(config), store, logger });
const adapter = engine.adapters().find((candidate) => candidate.id === 'glm');
const request = { model: 'glm-4.6', messages: [{ role: 'user', content: 'ping' }], thinking: { type: 'disabled' } };

async function time(label, call) {
  const samples = new Float64Array(perRound);
  for (let index = 0; index < perRound; index++) {
    const started = process.hrtime.bigint();
    await call();
    samples[index] = Number(process.hrtime.bigint() - started) / 1_000;
  }
  samples.sort();
  return {
    label,
    p50: samples[Math.floor(perRound * 0.5)],
    p99: samples[Math.floor(perRound * 0.99)],
    mean: samples.reduce((a, b) => a + b, 0) / perRound,
  };
}

const cases = {
  'adapter.chat (direct)': () => adapter.chat(request),
  'engine.chat': () => engine.chat(request),
  'engine.chat + memory': () => engine.chat(request, { remember: true, scope: { owner: 'bench' } }),
};
// Warm up every path (JIT, connection pool, store open and migrations).
for (const call of Object.values(cases)) for (let index = 0; index < 300; index++) await call();
const results = Object.fromEntries(Object.keys(cases).map((label) => [label, []]));
for (let round = 0; round < rounds; round++) {
  for (const [label, call] of Object.entries(cases)) results[label].push(await time(label, call));
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(results['adapter.chat (direct)'].map((row) => row.p50));
const rows = Object.entries(results).map(([label, list]) => {
  const p50 = median(list.map((row) => row.p50));
  const p99 = median(list.map((row) => row.p99));
  return {
    case: label,
    'p50 µs': p50.toFixed(0),
    'p99 µs': p99.toFixed(0),
    'added p50 µs': (p50 - base).toFixed(0),
    ratio: (p50 / base).toFixed(2),
  };
});
console.log(
  `engine overhead: ${rounds} interleaved rounds of ${perRound} sequential requests, simulator upstream, Node ${process.version}`,
);
console.table(rows);
await engine.close(1_000);
await store.close();
await sim.close();
