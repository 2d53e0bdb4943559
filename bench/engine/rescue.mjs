// What a rescue costs the caller, against the time to first token of a fresh request, measured in
// the same run against the provider simulator on loopback (GLM primary, Kimi fallback):
// - a held first token: the primary (a fast-tier model) says nothing; the caller's first token
//   comes from the fallback after the tier's first-token limit;
// - a continuation: the primary's stream is cut (or stalls) mid-answer; the time from the failure
//   (the last byte before the cut; the stall limit, for a stall) to the first continued byte.
// Usage: node bench/engine/rescue.mjs [requests-per-case]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '../../packages/core/dist/index.js';
import { buildAdapters, createEngine, openStore } from '../../packages/engine/dist/index.js';
import { startSimulator } from '../../packages/provider-simulator/dist/index.js';

const perCase = Number(process.argv[2] ?? 200);
const firstTokenLimitMs = 200;
const idleMs = 200;
const sim = await startSimulator({ port: 0 });
const config = loadConfig({
  env: {},
  input: {
    providers: {
      glm: {
        kind: 'glm',
        baseURL: sim.baseURL('glm'),
        apiKey: 'bench-key',
        models: [{ id: 'glm-4.6', tier: 'fast' }],
      },
      kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'bench-key' },
    },
    fallbacks: { 'glm-4.6': ['kimi/kimi-k2-0905-preview'] },
    timeouts: { idleMs, firstTokenByTierMs: { fast: firstTokenLimitMs, balanced: 30_000, deep: 120_000 } },
    // Every primary attempt fails on purpose: keep the breaker from taking it out of the chain.
    breaker: { volumeThreshold: 1_000_000 },
    retry: { maxAttempts: 1 },
    store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-bench-rescue-')) },
    logLevel: 'silent',
  },
});
const logger = createLogger({ level: config.logLevel, name: 'exai' });
const store = await openStore(config, logger);
const engine = createEngine({ config, adapters: buildAdapters(config), store, logger });
const question = 'why do streams break, and how does a gateway finish the answer for its caller';
const request = { model: 'glm-4.6', messages: [{ role: 'user', content: question }], thinking: { type: 'disabled' } };

/** One stream: ms to the first content, and the longest gap between two content chunks (the seam). */
async function once(scenario) {
  sim.script('glm-4.6', scenario);
  const started = performance.now();
  let first;
  let last;
  let gap = 0;
  const stream = engine.stream(request);
  for await (const chunk of stream) {
    if (!chunk.choices[0]?.delta.content) continue;
    const now = performance.now();
    first ??= now - started;
    if (last !== undefined) gap = Math.max(gap, now - last);
    last = now;
  }
  return { first, gap, resumed: stream.meta.resumed?.length ?? 0 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p95 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)];
async function measure(scenario, pick) {
  const samples = [];
  for (let index = 0; index < perCase; index++) samples.push(await once(scenario));
  const values = samples.map(pick);
  return { p50: median(values), p95: p95(values), resumed: samples.filter((sample) => sample.resumed > 0).length };
}

for (let index = 0; index < 30; index++) await once('ok');
const fresh = await measure('ok', (sample) => sample.first);
const held = await measure(`slow-first-token?ms=${firstTokenLimitMs * 10}`, (sample) => sample.first);
const cut = await measure('stream-cut?chars=27', (sample) => sample.gap);
const stall = await measure('stream-stall?chars=27', (sample) => sample.gap - idleMs);
const row = (label, figures, note) => ({
  case: label,
  'p50 ms': figures.p50.toFixed(1),
  'p95 ms': figures.p95.toFixed(1),
  'p50 vs fresh TTFT': (figures.p50 / fresh.p50).toFixed(1),
  resumed: figures.resumed ?? '',
  note,
});
console.log(`stream rescue: ${perCase} sequential streams per case, simulator upstream, Node ${process.version}`);
console.table([
  row('fresh request: time to first token', fresh, ''),
  row('held first token: time to first token', held, `includes the ${firstTokenLimitMs} ms fast-tier limit`),
  row('cut mid-answer: failure → first continued byte', cut, 'the seam, as the caller sees it'),
  row('stall mid-answer: idle limit → first continued byte', stall, `after the ${idleMs} ms idle limit`),
]);
await engine.close(1_000);
await store.close();
await sim.close();
