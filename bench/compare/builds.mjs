// Builds of exai-http side by side on streams: the same simulator, each build's gateway on the gateway core,
// rounds in rotating order (drift of a loaded machine hits every build alike), autocannon req/s and p50 plus
// a sequential time-to-first-byte probe. For before/after figures of one change measured in the same run.
// Usage: BENCH_BUILDS=old=/work/wt-old,new=. node bench/compare/builds.mjs
//        (env: BENCH_MODES=stream-0 BENCH_CONNECTIONS=1,64 BENCH_DURATION=5 BENCH_ROUNDS=3 BENCH_TTFB_REQUESTS=300
//         BENCH_CPU_PROF=<dir>); each path is a checkout with apps/http-server built.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestFor, runCase } from './load.mjs';
import { freePort, killAllSync, pinSelf, startNode, stopAll } from './processes.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const list = (value, fallback) =>
  (value ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const builds = list(process.env.BENCH_BUILDS, `new=${root}`).map((entry) => {
  const [name, path] = entry.split('=');
  return { name, path: resolve(path ?? name) };
});
const modes = list(process.env.BENCH_MODES, 'stream-0').map((name) => {
  const [kind, latency] = name.split('-');
  return { name, stream: kind === 'stream', latencyMs: Number(latency) };
});
const connections = list(process.env.BENCH_CONNECTIONS, '1,64').map(Number);
const durationSeconds = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const ttfbRequests = Number(process.env.BENCH_TTFB_REQUESTS ?? 300);
const LOAD_CPU = 0;
const SERVER_CPU = Math.min(1, cpus().length - 1);

/** Time to the first byte of the body of `count` requests sent one after another; the p50 in ms. */
async function ttfbP50(target, mode, count) {
  const { url, headers, body } = requestFor(target, mode);
  const times = [];
  for (let index = 0; index < count; index++) {
    times.push(
      await new Promise((done, fail) => {
        const started = process.hrtime.bigint();
        let first;
        const req = httpRequest(url, { method: 'POST', headers }, (response) => {
          response.on('data', () => {
            first ??= Number(process.hrtime.bigint() - started) / 1e6;
          });
          response.on('end', () => done(first ?? Number.NaN));
        });
        req.on('error', fail);
        req.end(body);
      }),
    );
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 100) / 100;
}

/** CPU time (user + system) of a process so far, in ms: robust to a machine other work keeps busy. */
function cpuMs(pid) {
  if (!pid) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

const median = (values) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
  const logDir = mkdtempSync(join(tmpdir(), 'exai-bench-builds-'));
  pinSelf(LOAD_CPU);
  const loadAtStart = loadavg()[0];
  const simulatorPort = await freePort();
  const simulator = await startNode({
    name: 'simulator',
    args: [join(root, 'packages/provider-simulator/dist/cli.js'), '--port', String(simulatorPort)],
    cpu: LOAD_CPU,
    port: simulatorPort,
    logDir,
    cwd: root,
  });
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const targets = [{ name: 'floor', url: simulatorUrl, path: '/v1/chat/completions', headers: {}, pid: simulator.pid }];
  for (const build of builds) {
    const port = await freePort();
    const config = {
      providers: { openai: { kind: 'openai', baseURL: `${simulatorUrl}/v1`, apiKey: 'sk-bench' } },
      concurrency: { global: 100_000, perProvider: 100_000, maxQueue: 100_000 },
      store: { dataDir: join(logDir, `${build.name}-data`) },
    };
    const configFile = join(logDir, `${build.name}-config.json`);
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const profile = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, build.name)}`]
      : [];
    const handle = await startNode({
      name: build.name,
      args: [join(build.path, 'apps/http-server/dist/cli.js'), '--port', String(port), '--config', configFile],
      nodeOptions: profile,
      env: { EXAI_SHUTDOWN_GRACE_MS: '2000', EXAI_API_KEYS: 'sk-bench', OPENAI_API_KEY: '' },
      cpu: SERVER_CPU,
      port,
      logDir,
      cwd: build.path,
    });
    targets.push({
      name: build.name,
      url: `http://127.0.0.1:${port}`,
      path: '/v1/chat/completions',
      headers: {},
      pid: handle.pid,
    });
  }
  process.stdout.write(`builds: ${builds.map((b) => `${b.name}=${b.path}`).join(', ')}; logs in ${logDir}\n`);
  const results = new Map();
  const keep = (key, value) => results.set(key, [...(results.get(key) ?? []), value]);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order of the builds each round; the floor first.
    const shift = round % builds.length;
    const order = [targets[0], ...targets.slice(1 + shift), ...targets.slice(1, 1 + shift)];
    for (const mode of modes) {
      for (const target of order) {
        for (const c of connections) {
          await fetch(`${simulatorUrl}/_sim/reset`, { method: 'POST' });
          await runCase(target, mode, { connections: c, durationSeconds: 1, warmupSeconds: 0 });
          const cpuBefore = cpuMs(target.pid);
          const result = await runCase(target, mode, { connections: c, durationSeconds, warmupSeconds: 0 });
          const cpuPerRequest = Math.round(((cpuMs(target.pid) - cpuBefore) / Math.max(1, result.completed)) * 1000);
          keep(`${mode.name}|${c}|${target.name}|rps`, result.requestsPerSecond);
          keep(`${mode.name}|${c}|${target.name}|p50`, result.p50Ms);
          keep(`${mode.name}|${c}|${target.name}|cpu`, cpuPerRequest);
          const errors = result.non2xx + result.errors;
          process.stdout.write(
            `round ${round + 1} ${mode.name} c=${c} ${target.name.padEnd(8)} ${result.requestsPerSecond} req/s  p50 ${result.p50Ms} ms  cpu ${cpuPerRequest} µs/req${errors ? `  errors ${errors}` : ''}\n`,
          );
        }
        const ttfb = await ttfbP50(target, mode, ttfbRequests);
        keep(`${mode.name}|${target.name}|ttfb`, ttfb);
        process.stdout.write(`round ${round + 1} ${mode.name} ${target.name.padEnd(8)} TTFB p50 ${ttfb} ms (c=1)\n`);
      }
    }
  }
  await stopAll(3_000);
  process.stdout.write(
    `\nmedians over ${rounds} rounds (load average ${loadAtStart.toFixed(2)} -> ${loadavg()[0].toFixed(2)})\n`,
  );
  const header = [
    'mode',
    'target',
    ...connections.flatMap((c) => [`req/s c=${c}`, `p50 ms c=${c}`, `CPU µs/req c=${c}`]),
    'TTFB p50 ms',
  ];
  process.stdout.write(`| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |\n`);
  for (const mode of modes) {
    for (const target of targets) {
      const cells = connections.flatMap((c) => [
        median(results.get(`${mode.name}|${c}|${target.name}|rps`) ?? []),
        median(results.get(`${mode.name}|${c}|${target.name}|p50`) ?? []),
        median(results.get(`${mode.name}|${c}|${target.name}|cpu`) ?? []),
      ]);
      const ttfb = median(results.get(`${mode.name}|${target.name}|ttfb`) ?? []);
      process.stdout.write(`| ${[mode.name, target.name, ...cells, ttfb].join(' | ')} |\n`);
    }
  }
}

process.on('exit', killAllSync);
main()
  .catch((error) => {
    process.stderr.write(`bench builds failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll(3_000));
