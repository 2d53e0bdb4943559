// Drives exai-http at fixed concurrency against the simulator, and the simulator directly in the
// same run, so the gateway's cost shows as a ratio; the Responses API (`store: false`) is measured
// beside chat completions, its `vs chat` column the ratio of the two routes' throughput. Build first: pnpm --filter @exai/http-server build
// Usage: node bench/http/run.mjs [--duration 5] [--connections 1,16,64] [--latencies 0,50] [--targets exai-http,responses]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appCli, appRequire, importSimulator, option } from '../http-app.mjs';

const { default: autocannon } = await import(appRequire.resolve('autocannon'));
const { startSimulator } = await importSimulator();

const duration = Number(option('duration', '5'));
const connectionsList = option('connections', '1,16,64').split(',').map(Number);
const latencies = option('latencies', '0,50').split(',').map(Number);

const sim = await startSimulator({ port: 0 });
const dir = mkdtempSync(join(tmpdir(), 'exai-bench-http-'));
const configFile = join(dir, 'gateway.json');
writeFileSync(
  configFile,
  JSON.stringify({
    providers: { glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' } },
    concurrency: { global: 512, perProvider: 256 },
    breaker: { volumeThreshold: 1000000 },
    logLevel: 'error',
  }),
);
const app = spawn(process.execPath, [appCli, '--port', '0', '--config', configFile], {
  env: { ...process.env, EXAI_DATA_DIR: dir, EXAI_RATE_LIMIT_RPM: '0', EXAI_API_KEYS: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [data] = await once(app.stdout, 'data');
const appUrl = String(data).trim();

const body = JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'benchmark' }] });
const json = { 'content-type': 'application/json' };
const targets = {
  simulator: {
    url: `${sim.baseURL('glm')}/chat/completions`,
    headers: { ...json, authorization: 'Bearer sim-key' },
    body,
  },
  'exai-http': { url: `${appUrl}/v1/chat/completions`, headers: json, body },
  responses: {
    url: `${appUrl}/v1/responses`,
    headers: json,
    body: JSON.stringify({ model: 'glm-4.6', input: 'benchmark', store: false }),
  },
};
const only = option('targets', Object.keys(targets).join(',')).split(',');

async function measure(target, connections) {
  const options = { ...targets[target], method: 'POST', connections };
  await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

console.log(`exai-http ${appUrl} vs simulator ${sim.url}; ${duration}s per cell; non-streaming chat and responses`);
console.log('added-latency conns target       req/s     p50ms  p99ms  ratio  vs chat  errors');
for (const latency of latencies) {
  sim.script('glm-4.6', latency > 0 ? `latency?ms=${latency}` : null);
  for (const connections of connectionsList) {
    const rows = [];
    for (const name of ['simulator', 'exai-http', 'responses'])
      if (only.includes(name) || name === 'simulator') rows.push([name, await measure(name, connections)]);
    const direct = rows[0][1];
    const chat = rows.find(([name]) => name === 'exai-http')?.[1];
    for (const [name, row] of rows) {
      const ratio = (row.rps / direct.rps).toFixed(2);
      const vsChat = chat && name !== 'simulator' ? (row.rps / chat.rps).toFixed(2) : '';
      console.log(
        `${String(latency).padStart(9)} ms ${String(connections).padStart(5)} ${name.padEnd(10)} ${row.rps.toFixed(0).padStart(9)} ${String(row.p50).padStart(9)} ${String(row.p99).padStart(6)} ${ratio.padStart(6)} ${vsChat.padStart(8)} ${String(row.errors).padStart(7)}`,
      );
    }
  }
}
app.kill('SIGTERM');
await once(app, 'exit');
await sim.close();
