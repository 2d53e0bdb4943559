// One load case: autocannon against one target with fixed connections, after a short warm-up,
// and a correctness check of one response before the load (a gateway answering errors fast must not "win").
import autocannon from 'autocannon';
import { watchPeakRss } from './processes.mjs';

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
  const request = requestFor(target, mode);
  // autocannon ignores `Connection: close` and writes its next request on a socket the server is ending:
  // exai-http closes a connection after 1,000 requests (EXAI_MAX_REQUESTS_PER_SOCKET, hardening), and Node
  // answers what follows with 503s. Real clients open a new connection there; so does the load, for every target.
  const base = { ...request, connections, pipelining: 1, timeout: 20, reconnectRate: 1_000 };
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
