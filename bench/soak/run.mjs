// Soak test of the built exai-http: >= 100,000 mixed requests at fixed concurrency (keep-alive)
// through two simulated providers with a fallback chain; checks that memory settles and that no
// request is lost or hangs. Build first: pnpm --filter @exai/http-server... build
// Usage: node bench/soak/run.mjs [--requests 100000] [--concurrency 48] [--timeout-ms 15000] [--json out.json]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appCli, importSimulator, option } from '../http-app.mjs';

const { startSimulator } = await importSimulator();

const total = Number(option('requests', '100000'));
const concurrency = Number(option('concurrency', '48'));
const timeoutMs = Number(option('timeout-ms', '15000'));
const jsonOut = option('json', undefined);

// --- the mix: 100 slots, request i takes slot i % 100 --------------------------------------------
// Models scripted on the simulator (see docs/simulator-protocol.md):
//   glm-4.5        http-503 → the engine fails over to kimi-k2-0905-preview (fallback chain)
//   glm-4.5-air    http-500, no fallback → the upstream error reaches the client (5xx, documented mapping)
//   glm-4.5-flash  stream-cut?after=2 → content started, then cut: in-band error event, no [DONE]
//   glm-4.5v       stream-stall?after=2 → the client hangs up after the first event (disconnect mid-stream)
const KINDS = [
  ['chat', 44], // non-streaming, ok
  ['stream', 24], // streaming with usage, ok
  ['failover', 6], // non-streaming, glm fails, kimi answers
  ['failover-stream', 4], // streaming, glm fails before content, kimi answers
  ['upstream-error', 4], // scripted 500 with no fallback
  ['stream-cut', 4], // upstream cuts the stream after content started
  ['bad-json', 3], // invalid JSON text
  ['bad-field', 3], // schema error (400 naming the field)
  ['unknown-model', 2], // 404 model_not_found
  ['disconnect', 6], // client hangs up mid-stream
];
const slots = KINDS.flatMap(([kind, count]) => Array.from({ length: count }, () => kind));
if (slots.length !== 100) throw new Error(`the mix must have 100 slots, has ${slots.length}`);

const message = (index) => [{ role: 'user', content: `soak request ${index}` }];
function plan(kind, index) {
  switch (kind) {
    case 'chat':
      return {
        body: { model: index % 2 ? 'glm-4.6' : 'kimi-k2-0905-preview', messages: message(index) },
        expect: 'ok-json',
      };
    case 'stream':
      return {
        body: { model: 'glm-4.6', messages: message(index), stream: true, stream_options: { include_usage: true } },
        expect: 'ok-stream',
      };
    case 'failover':
      return { body: { model: 'glm-4.5', messages: message(index) }, expect: 'fell-back-json' };
    case 'failover-stream':
      return { body: { model: 'glm-4.5', messages: message(index), stream: true }, expect: 'fell-back-stream' };
    case 'upstream-error':
      return { body: { model: 'glm-4.5-air', messages: message(index) }, expect: 'upstream-5xx' };
    case 'stream-cut':
      return { body: { model: 'glm-4.5-flash', messages: message(index), stream: true }, expect: 'stream-interrupted' };
    case 'bad-json':
      return { text: '{"model": "glm-4.6", "messages": [', expect: 'client-400' };
    case 'bad-field':
      return { body: { model: 'glm-4.6', messages: message(index), temperature: 'hot' }, expect: 'client-400' };
    case 'unknown-model':
      return { body: { model: `no-such-model-${index % 7}`, messages: message(index) }, expect: 'client-404' };
    case 'disconnect':
      return {
        body: { model: 'glm-4.5v', messages: message(index), stream: true },
        expect: 'disconnected',
        hangUp: true,
      };
    default:
      throw new Error(kind);
  }
}

// --- the system under test ------------------------------------------------------------------------
// The attempts log must hold every attempt of the run, so that each hang-up can be checked upstream.
const sim = await startSimulator({ port: 0, maxAttempts: total * 2 + 1_000 });
sim.script('glm-4.5', 'http-503');
sim.script('glm-4.5-air', 'http-500');
sim.script('glm-4.5-flash', 'stream-cut?after=2');
sim.script('glm-4.5v', 'stream-stall?after=2');

const dir = mkdtempSync(join(tmpdir(), 'exai-soak-'));
const configFile = join(dir, 'gateway.json');
writeFileSync(
  configFile,
  JSON.stringify({
    providers: {
      glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' },
      kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
    },
    fallbacks: { 'glm-4.5': ['kimi-k2-0905-preview'] },
    retry: { maxAttempts: 1, baseDelayMs: 1 },
    // Scripted failures are a fixed share of the traffic; keep the breaker from turning them into circuit_open.
    breaker: { volumeThreshold: 1_000_000 },
    concurrency: { global: 512, perProvider: 256, maxQueue: 4096 },
    timeouts: { requestMs: 10_000, attemptMs: 8_000, firstTokenMs: 5_000, idleMs: 5_000 },
    logLevel: 'error',
  }),
);
const app = spawn(process.execPath, [appCli, '--port', '0', '--config', configFile], {
  // The soak scrapes /metrics from loopback without a key: say so (admin needs a key by default).
  env: { PATH: process.env.PATH ?? '', EXAI_DATA_DIR: dir, EXAI_RATE_LIMIT_RPM: '0', EXAI_LOOPBACK_ADMIN: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let appErrors = '';
app.stderr.on('data', (data) => {
  appErrors += String(data);
  if (appErrors.length > 100_000) appErrors = appErrors.slice(-50_000);
});
const [data] = await once(app.stdout, 'data');
const base = new URL(String(data).trim());
const pid = app.pid;

// --- probes ---------------------------------------------------------------------------------------
function rssBytes() {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
function descriptors() {
  const entries = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const entry of entries) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${entry}`).startsWith('socket:')) sockets += 1;
    } catch {
      // closed while listing
    }
  }
  return { fds: entries.length, sockets };
}
const probeAgent = new Agent({ keepAlive: false });
function get(path) {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(path, base), { agent: probeAgent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode, text }));
    });
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error('probe timed out')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
async function metrics() {
  const { text } = await get('/metrics');
  const value = (name) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  return {
    heapUsed: value('exai_nodejs_heap_size_used_bytes'),
    heapTotal: value('exai_nodejs_heap_size_total_bytes'),
    externalMemory: value('exai_nodejs_external_memory_bytes'),
    activeHandles: value('exai_nodejs_active_handles_total'),
    inFlight: value('exai_http_in_flight'),
  };
}
async function sample(label, done) {
  return { label, done, time: Date.now(), rss: rssBytes(), ...(await metrics()), ...descriptors() };
}

// --- the load -------------------------------------------------------------------------------------
const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const counts = new Map();
const unexpected = [];
const latencies = [];
const count = (outcome) => counts.set(outcome, (counts.get(outcome) ?? 0) + 1);

function classify(status, text) {
  const isStream = text.startsWith('data: ');
  if (isStream) {
    const events = text.trim().split('\n\n');
    const last = events.at(-1);
    if (last === 'data: [DONE]') {
      const meta = events.at(-2) ?? '';
      return meta.includes('"fell_back":true') ? 'fell-back-stream' : 'ok-stream';
    }
    if (last?.startsWith('data: {"error"')) return 'stream-interrupted';
    return 'stream-truncated';
  }
  if (status === 200) return text.includes('"fell_back":true') ? 'fell-back-json' : 'ok-json';
  if (status >= 500) return 'upstream-5xx';
  if (status === 400) return 'client-400';
  if (status === 404) return 'client-404';
  return `status-${status}`;
}

function send(index) {
  const planned = plan(slots[index % 100], index);
  const payload = planned.text ?? JSON.stringify(planned.body);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome, detail) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      count(outcome);
      if (outcome !== planned.expect)
        unexpected.push({ index, expected: planned.expect, outcome, detail: String(detail ?? '').slice(0, 300) });
      latencies.push(performance.now() - started);
      resolve();
    };
    const outgoing = request(new URL('/v1/chat/completions', base), {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const timer = setTimeout(() => {
      outgoing.destroy(new Error('timeout'));
      finish('timeout', `no complete answer within ${timeoutMs} ms`);
    }, timeoutMs);
    outgoing.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
        if (planned.hangUp && text.includes('\n\n')) {
          // Disconnect mid-stream: the first event arrived, the upstream is stalled; hang up.
          outgoing.destroy();
          finish('disconnected');
        }
      });
      response.on('end', () => finish(classify(response.statusCode, text), text));
      response.on('error', (error) =>
        finish(planned.hangUp && text ? 'disconnected' : 'connection-error', error.message),
      );
    });
    outgoing.on('error', (error) =>
      finish(planned.hangUp && settled ? 'disconnected' : 'connection-error', error.message),
    );
    outgoing.end(payload);
  });
}

const samples = [await sample('start', 0)];
console.log(
  `exai-http pid ${pid} at ${base.origin}; ${total} requests at concurrency ${concurrency}; per-request timeout ${timeoutMs} ms`,
);
const startedAt = Date.now();
let next = 0;
let done = 0;
let middleTaken = false;
const sampleEvery = Math.max(1, Math.floor(total / 20));
const pendingSamples = [];
async function worker() {
  while (next < total) {
    const index = next++;
    await send(index);
    done += 1;
    if (done % sampleEvery === 0) {
      const label = !middleTaken && done >= total / 2 ? 'middle' : 'progress';
      if (label === 'middle') middleTaken = true;
      pendingSamples.push(sample(label, done).then((entry) => samples.push(entry)));
      if (done % (sampleEvery * 4) === 0)
        process.stdout.write(`  ${done} done, ${Math.round(done / ((Date.now() - startedAt) / 1000))} req/s\n`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await Promise.all(pendingSamples);
const elapsedS = (Date.now() - startedAt) / 1000;
agent.destroy();
// Let hung-up calls finish aborting and idle keep-alive sockets close before the last sample.
await new Promise((resolve) => setTimeout(resolve, 3_000));
samples.push(await sample('end', total));
const hungUpSeen = sim.log.filter((attempt) => attempt.model === 'glm-4.5v' && attempt.clientHungUp).length;
const stalledStillOpen = sim.log.filter(
  (attempt) => attempt.model === 'glm-4.5v' && attempt.durationMs === null,
).length;

// --- verdict --------------------------------------------------------------------------------------
samples.sort((left, right) => left.done - right.done || left.time - right.time);
const start = samples[0];
const middle = samples.find((entry) => entry.label === 'middle') ?? samples[Math.floor(samples.length / 2)];
const end = samples.at(-1);
const answered = [...counts.values()].reduce((sum, value) => sum + value, 0);
const lost =
  (counts.get('timeout') ?? 0) + (counts.get('connection-error') ?? 0) + (counts.get('stream-truncated') ?? 0);
const mb = (bytes) => (bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);
const rssGrowth = end.rss / middle.rss - 1;
// Steady growth: every progress sample of the second half above the one before it, and the end above the middle.
// Steady growth: still rising over the last quarter of the load (a settled process plateaus).
const lastQuarter = samples.filter((entry) => entry.label !== 'end' && entry.done >= total * 0.75);
const quarterGrowth = lastQuarter.length > 1 ? lastQuarter.at(-1).rss / lastQuarter[0].rss - 1 : 0;
const monotonic = quarterGrowth > 0.05;
latencies.sort((left, right) => left - right);
const percentile = (p) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);

const checks = [
  [
    'at least 100,000 requests sent, every one answered',
    answered === total && total >= 100_000,
    `${answered} / ${total}`,
  ],
  ['no request lost or hung (timeouts, socket errors, truncated streams)', lost === 0, String(lost)],
  ['every outcome as planned for its kind', unexpected.length === 0, String(unexpected.length)],
  ['end RSS within 10 % of the middle', rssGrowth <= 0.1, `${(rssGrowth * 100).toFixed(1)} %`],
  ['no steady RSS growth (last quarter of the load within 5 %)', !monotonic, `${(quarterGrowth * 100).toFixed(1)} %`],
  // The scrape of /metrics is itself in flight while it is answered.
  [
    'in-flight requests back to 0 (besides the /metrics scrape)',
    (end.inFlight ?? 1) <= 1,
    String((end.inFlight ?? 1) - 1),
  ],
  [
    'every client hang-up aborted its upstream stream',
    stalledStillOpen === 0 && hungUpSeen === (counts.get('disconnected') ?? 0) && hungUpSeen > 0,
    `${hungUpSeen} of ${counts.get('disconnected') ?? 0} aborted, ${stalledStillOpen} still open`,
  ],
  ['server process alive', app.exitCode === null, app.exitCode === null ? 'yes' : `exited ${app.exitCode}`],
];
const failed = checks.filter(([, ok]) => !ok);

console.log(
  `\nSoak: ${total} requests, concurrency ${concurrency}, ${elapsedS.toFixed(1)} s (${Math.round(total / elapsedS)} req/s), latency p50 ${percentile(50)} ms, p99 ${percentile(99)} ms\n`,
);
console.log('| point | requests done | RSS | heap used | heap total | fds | sockets | active handles |');
console.log('| --- | --: | --: | --: | --: | --: | --: | --: |');
for (const entry of [start, middle, end]) {
  console.log(
    `| ${entry.label} | ${entry.done} | ${mb(entry.rss)} | ${mb(entry.heapUsed)} | ${mb(entry.heapTotal)} | ${entry.fds} | ${entry.sockets} | ${entry.activeHandles ?? 'n/a'} |`,
  );
}
console.log(`\nRSS series (MB): ${samples.map((entry) => (entry.rss / 1024 / 1024).toFixed(0)).join(' ')}`);
console.log(
  `heap-used series (MB): ${samples.map((entry) => (entry.heapUsed === undefined ? '?' : (entry.heapUsed / 1024 / 1024).toFixed(0))).join(' ')}\n`,
);
console.log('| outcome | count | planned as |');
console.log('| --- | --: | --- |');
const plannedShare = {};
for (const [kind, share] of KINDS) {
  const outcome = plan(kind, 1).expect;
  plannedShare[outcome] = [plannedShare[outcome], `${kind} (${share} %)`].filter(Boolean).join(' + ');
}
for (const [outcome, value] of [...counts.entries()].sort((left, right) => right[1] - left[1]))
  console.log(`| ${outcome} | ${value} | ${plannedShare[outcome] ?? 'unplanned'} |`);
console.log('\n| check | result | value |');
console.log('| --- | --- | --- |');
for (const [name, ok, value] of checks) console.log(`| ${name} | ${ok ? 'pass' : 'FAIL'} | ${value} |`);
if (unexpected.length > 0) console.log('\nfirst unexpected outcomes:', JSON.stringify(unexpected.slice(0, 5), null, 2));
if (jsonOut)
  writeFileSync(
    jsonOut,
    JSON.stringify(
      {
        total,
        concurrency,
        elapsedS,
        counts: Object.fromEntries(counts),
        samples,
        checks,
        unexpected: unexpected.slice(0, 50),
      },
      null,
      2,
    ),
  );

app.kill('SIGTERM');
await Promise.race([once(app, 'exit'), new Promise((resolve) => setTimeout(resolve, 10_000))]);
await sim.close();
rmSync(dir, { recursive: true, force: true });
if (failed.length > 0) {
  console.log(`\nSOAK FAILED: ${failed.map(([name]) => name).join('; ')}`);
  if (appErrors) console.log(`server stderr (tail):\n${appErrors.slice(-2_000)}`);
  process.exit(1);
}
console.log('\nSOAK PASSED');
