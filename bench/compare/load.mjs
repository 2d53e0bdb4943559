// One load case: autocannon against one target with fixed connections, after a short warm-up,
// and a correctness check of one response before the load (a gateway answering errors fast must not "win").
// A fixed-rate case (`json-0@500`) is paced instead: one request every 1/rate s, open loop (autocannon's
// `overallRate` sends each second's quota in a burst, which measures queueing, not added latency).
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { watchPeakRss } from './processes.mjs';

// undici is a dependency of the base adapter, not of the workspace root: resolve it from there.
const undici = createRequire(new URL('../../packages/provider-openai-compatible/package.json', import.meta.url))(
  'undici',
);

const prompt = 'Say hello in one short sentence.';

/** The model name carrying the simulator scenario (`~latency?ms=50`), understood by every target. */
export function modelFor(latencyMs) {
  return latencyMs > 0 ? `gpt-4o~latency?ms=${latencyMs}` : 'gpt-4o';
}

export function requestFor(target, { stream, latencyMs }) {
  const body = JSON.stringify({ model: modelFor(latencyMs), messages: [{ role: 'user', content: prompt }], stream });
  return {
    url: `${target.url}${target.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench', ...target.headers },
    body,
  };
}

/** Sends one request and checks it is a real answer: 200, the simulated text, and `[DONE]` for streams. */
export async function checkAnswer(target, mode, signal) {
  const request = requestFor(target, mode);
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal });
  const text = await response.text();
  const ok = response.status === 200 && text.includes('Simulated') && (!mode.stream || text.includes('data: [DONE]'));
  return { ok, status: response.status, sample: text.slice(0, 300) };
}

/**
 * Runs autocannon and keeps every 2xx response time itself (autocannon's own histogram has 1 ms
 * resolution, too coarse for a gateway adding a fraction of a millisecond).
 */
function run(options, latencies) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    if (latencies) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
  });
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Runs `warmupSeconds` of load (discarded) then `durationSeconds` measured, while watching the
 * peak RSS of `target.pid`. Returns req/s, latency percentiles (ms) and error counts.
 */
export async function runCase(target, mode, { connections, durationSeconds, warmupSeconds }) {
  if (mode.rate) return runPaced(target, mode, { connections, durationSeconds, warmupSeconds });
  const request = requestFor(target, mode);
  // autocannon ignores `Connection: close` and writes its next request on a socket the server is ending:
  // exai-http closes a connection after 1,000 requests (EXAI_MAX_REQUESTS_PER_SOCKET, hardening), and Node
  // answers what follows with 503s. Real clients open a new connection there; so does the load, for every target.
  const base = {
    ...request,
    connections,
    pipelining: 1,
    timeout: 20,
    reconnectRate: 1_000,
  };
  if (warmupSeconds > 0) await run({ ...base, duration: warmupSeconds });
  const rss = target.pid ? watchPeakRss(target.pid) : undefined;
  const latencies = [];
  const result = await run({ ...base, duration: durationSeconds }, latencies);
  const memory = rss?.stop();
  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length);
  const good = result['2xx'];
  const elapsedSeconds = result.duration > 0 ? result.duration : durationSeconds;
  return {
    requestsPerSecond: round(good / elapsedSeconds, 0),
    p50Ms: round(percentile(sorted, 0.5), 2),
    p99Ms: round(percentile(sorted, 0.99), 2),
    meanMs: round(mean, 2),
    completed: good,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    peakRssMiB: memory?.peakRssMiB ?? null,
    rssMethod: memory?.method ?? null,
  };
}

/**
 * `mode.rate` requests a second for `durationSeconds`, each sent on schedule whether or not earlier ones have
 * answered (open loop, at most `connections` keep-alive connections), after a warm-up at the same pace. Latency
 * is send to last body byte; `ttfbP50Ms` is send to first body byte (for streams, the first event).
 */
async function runPaced(target, mode, { connections, durationSeconds, warmupSeconds }) {
  const { url, headers, body } = requestFor(target, mode);
  const dispatcher = new undici.Agent({ connections, keepAliveTimeout: 30_000 });
  const latencies = [];
  const firstBytes = [];
  let failed = 0;
  const one = async (keep) => {
    const started = performance.now();
    try {
      const response = await undici.request(url, { method: 'POST', headers, body, dispatcher });
      let first;
      for await (const _chunk of response.body) first ??= performance.now();
      const ended = performance.now();
      if (!keep) return;
      if (response.statusCode !== 200) failed++;
      else {
        latencies.push(ended - started);
        firstBytes.push((first ?? ended) - started);
      }
    } catch {
      if (keep) failed++;
    }
  };
  const pace = async (seconds, keep) => {
    const gapMs = 1000 / mode.rate;
    const count = Math.round(seconds * mode.rate);
    const start = performance.now();
    const pending = [];
    for (let index = 0; index < count; index++) {
      const due = start + index * gapMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(one(keep));
    }
    await Promise.all(pending);
    return (performance.now() - start) / 1000;
  };
  if (warmupSeconds > 0) await pace(warmupSeconds, false);
  const rss = target.pid ? watchPeakRss(target.pid) : undefined;
  const elapsedSeconds = await pace(durationSeconds, true);
  const memory = rss?.stop();
  await dispatcher.close();
  const sorted = Float64Array.from(latencies).sort();
  const firstSorted = Float64Array.from(firstBytes).sort();
  return {
    requestsPerSecond: round(latencies.length / elapsedSeconds, 0),
    p50Ms: round(percentile(sorted, 0.5), 2),
    p99Ms: round(percentile(sorted, 0.99), 2),
    ttfbP50Ms: round(percentile(firstSorted, 0.5), 2),
    meanMs: round(latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length), 2),
    completed: latencies.length,
    non2xx: failed,
    errors: 0,
    timeouts: 0,
    peakRssMiB: memory?.peakRssMiB ?? null,
    rssMethod: memory?.method ?? null,
  };
}
