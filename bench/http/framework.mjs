// Measures Hono (@hono/node-server) against Fastify (and bare node:http as the baseline) on a
// minimal JSON POST route and an SSE route, at a fixed concurrency, with autocannon.
// Usage: node bench/http/framework.mjs [--connections 32] [--duration 5]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../apps/http-server/package.json', import.meta.url));
const { default: autocannon } = await import(require.resolve('autocannon'));
const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const connections = argument('connections', 32);
const duration = argument('duration', 5);

async function start(framework) {
  const child = spawn(process.execPath, [new URL('./framework-server.mjs', import.meta.url).pathname, framework], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [data] = await once(child.stdout, 'data');
  return { child, url: `http://127.0.0.1:${String(data).trim()}` };
}

async function measure(url, route) {
  const options =
    route === 'json'
      ? {
          url: `${url}/json`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        }
      : { url: `${url}/sse` };
  await autocannon({ ...options, connections, duration: 1 }); // warm-up
  const result = await autocannon({ ...options, connections, duration });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

const rows = [];
for (const framework of ['node', 'hono', 'fastify']) {
  const { child, url } = await start(framework);
  for (const route of ['json', 'sse']) rows.push({ framework, route, ...(await measure(url, route)) });
  child.kill('SIGTERM');
  await once(child, 'exit');
}
const baseline = Object.fromEntries(rows.filter((row) => row.framework === 'node').map((row) => [row.route, row.rps]));
console.log(`connections=${connections} duration=${duration}s`);
console.log('framework route   req/s   p50ms p99ms  vs node:http errors');
for (const row of rows) {
  console.log(
    `${row.framework.padEnd(9)} ${row.route.padEnd(5)} ${String(row.rps).padStart(7)} ${String(row.p50).padStart(7)} ${String(row.p99).padStart(5)}  ${(row.rps / baseline[row.route]).toFixed(2).padStart(8)}  ${row.errors}`,
  );
}
