// Throughput of @exai/provider-simulator: small non-streaming chat completions over keep-alive.
// Usage: node bench/simulator/run.mjs [--requests 20000] [--concurrency 32]
// The simulator runs in its own process (one core); a bare node:http server answering a fixed
// JSON body is measured the same way as the baseline, and the ratio is printed.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' } } });
const total = Number(values.requests ?? 20_000);
const concurrency = Number(values.concurrency ?? 32);
const cli = fileURLToPath(new URL('../../packages/provider-simulator/dist/cli.js', import.meta.url));

const baselineSource = `
const http = require('node:http');
const body = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }] });
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
});
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
`;

function startChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout.once('data', (chunk) => resolve({ child, url: chunk.toString().trim() }));
  });
}

async function measure(url) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = JSON.stringify({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Say hello in five words.' }],
  });
  const target = new URL('/v1/chat/completions', url);
  const options = {
    agent,
    method: 'POST',
    hostname: target.hostname,
    port: target.port,
    path: target.pathname,
    headers: {
      authorization: 'Bearer bench',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    },
  };
  const one = () =>
    new Promise((resolve, reject) => {
      const outgoing = request(options, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      });
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  let sent = 0;
  let failed = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      if ((await one()) !== 200) failed++;
    }
  };
  for (let index = 0; index < 500; index++) await one(); // warm-up
  sent = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { perSecond: total / seconds, failed };
}

const baseline = await startChild(['-e', baselineSource]);
const simulator = await startChild([cli, '--port', '0']);
try {
  const base = await measure(baseline.url);
  const sim = await measure(simulator.url);
  console.log(`requests ${total}, concurrency ${concurrency}, keep-alive`);
  console.log(`baseline node:http   ${base.perSecond.toFixed(0).padStart(7)} req/s`);
  console.log(
    `provider-simulator   ${sim.perSecond.toFixed(0).padStart(7)} req/s  (${(sim.perSecond / base.perSecond).toFixed(2)}x baseline, ${sim.failed} non-200)`,
  );
} finally {
  baseline.child.kill('SIGTERM');
  simulator.child.kill('SIGTERM');
}
