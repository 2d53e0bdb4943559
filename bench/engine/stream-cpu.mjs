// CPU time per streamed request inside the engine (engine.stream over the openai adapter, every chunk
// serialised as the HTTP route does), for one checkout's build: run it for several checkouts in turn,
// alternating, against one simulator in its own process (so its CPU is not counted). CPU time, unlike
// req/s, holds on a machine other work keeps busy.
// Usage: node packages/provider-simulator/dist/cli.js --port 4599 &
//        taskset -c 1 node bench/engine/stream-cpu.mjs <checkout> http://127.0.0.1:4599/v1 [per-round] [concurrency]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [root, simURL, perRoundText, concText, modeText] = process.argv.slice(2);
const { createLogger, loadConfig } = await import(join(root, 'packages/core/dist/index.js'));
const { buildAdapters, createEngine, openStore } = await import(join(root, 'packages/engine/dist/index.js'));
const perRound = Number(perRoundText ?? 2000),
  conc = Number(concText ?? 8);
const config = loadConfig({
  env: {},
  input: {
    providers: { openai: { kind: 'openai', baseURL: simURL, apiKey: 'sk-bench' } },
    concurrency: { global: 100000, perProvider: 100000, maxQueue: 100000 },
    store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-engstream-')) },
    logLevel: 'silent',
  },
});
const logger = createLogger({ level: 'silent', name: 'exai' });
const store = await openStore(config, logger);
const engine = createEngine({ config, adapters: buildAdapters(config), store, logger });
const request = {
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  stream: true,
};
const one =
  modeText === 'json'
    ? async () => {
        const r = await engine.chat({ ...request, stream: false });
        JSON.stringify(r);
      }
    : async () => {
        const s = engine.stream(request, { route: '/v1/chat/completions' });
        for await (const chunk of s) JSON.stringify(chunk);
      };
async function round(n) {
  let left = n;
  const workers = [];
  for (let i = 0; i < conc; i++)
    workers.push(
      (async () => {
        while (left-- > 0) await one();
      })(),
    );
  await Promise.all(workers);
}
await round(500);
const out = [];
for (let r = 0; r < 5; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await round(perRound);
  const c = process.cpuUsage(c0);
  const t = performance.now() - t0;
  out.push({ cpu: (c.user + c.system) / perRound, wall: (t * 1000) / perRound });
}
const med = (k) => out.map((o) => o[k]).sort((a, b) => a - b)[2];
console.log(
  JSON.stringify({
    root,
    cpuUsPerReq: Math.round(med('cpu')),
    wallUsPerReq: Math.round(med('wall')),
    all: out.map((o) => Math.round(o.cpu)),
  }),
);
process.exit(0);
