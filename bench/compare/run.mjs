// Head-to-head: the provider simulator alone (the floor), a lean node:http + undici proxy (the speed to
// reach, bench/compare/lean-proxy.mjs), the EX-AI HTTP gateway and the Portkey gateway in front of the
// same simulator, driven in turn by autocannon with the same load.
// Usage: pnpm bench:compare   (env: BENCH_DURATION=7 BENCH_WARMUP=1 BENCH_CONNECTIONS=1,16,64,256
//        BENCH_TARGETS=floor,lean,exai,exai2,portkey BENCH_CPU_PROF=<dir>
//        BENCH_MODES=json-0,json-50,stream-0,stream-50,json-0@500,stream-0@500 (`@500`: held at 500 req/s,
//        over BENCH_RATE_CONNECTIONS=16 connections)
//        BENCH_NODE_FLAGS=--single-threaded-gc (node flags of every target under test)
//        BENCH_WRITE=0 to leave results.json and the docs alone)
// Writes bench/compare/results.json, the tables section of docs/benchmarks.md and docs/images/bench-*.svg.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCharts } from './charts.mjs';
import { checkAnswer, runCase } from './load.mjs';
import { freePort, hasTaskset, killAllSync, pinSelf, startNode, stopAll, stopProcess } from './processes.mjs';
import { consoleTable, updateDocs } from './report.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = dirname(fileURLToPath(import.meta.url));
const list = (value, fallback) =>
  (value ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const settings = {
  durationSeconds: Number(process.env.BENCH_DURATION ?? 7),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 1),
  connections: list(process.env.BENCH_CONNECTIONS, '1,16,64,256').map(Number),
  targets: list(process.env.BENCH_TARGETS, 'floor,lean,exai,exai2,portkey'),
  // `json-0@500`: the same load held at a fixed 500 req/s over every connection (latency added at a set rate).
  modes: list(process.env.BENCH_MODES, 'json-0,json-50,stream-0,stream-50,json-0@500,stream-0@500').map((name) => {
    const [shape, rate] = name.split('@');
    const [kind, latency] = shape.split('-');
    return { name, stream: kind === 'stream', latencyMs: Number(latency), ...(rate ? { rate: Number(rate) } : {}) };
  }),
  /** Connections of the fixed-rate modes (the rate is shared by all of them). */
  rateConnections: list(process.env.BENCH_RATE_CONNECTIONS, '16').map(Number),
  write: process.env.BENCH_WRITE !== '0',
  cpuProfileDir: process.env.BENCH_CPU_PROF,
};
// Placement on a 2-core machine: core 0 runs this process (autocannon) and the simulator, core 1 the
// gateway under test (one gateway is loaded at a time; the idle one sleeps on the same core). `exai2`
// (`--workers 2`) may use both cores: its second worker shares core 0 with the load generator.
const LOAD_CPU = 0;
const SERVER_CPU = Math.min(1, cpus().length - 1);
const BOTH_CPUS = LOAD_CPU === SERVER_CPU ? String(SERVER_CPU) : `${LOAD_CPU},${SERVER_CPU}`;

const exaiCli = join(root, 'apps/http-server/dist/cli.js');
const simulatorCli = join(root, 'packages/provider-simulator/dist/cli.js');
const portkeyStart = join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js');
const packageVersion = (path) => JSON.parse(readFileSync(join(root, path), 'utf8')).version;

async function waitForFile(path, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1_000));
  return existsSync(path);
}

/** `--cpu-prof` for the lean proxy and the gateway when BENCH_CPU_PROF names a folder: compare like with like. */
const profileOptions = settings.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDir}`] : [];
/**
 * Node flags of every target under test (lean proxy, EX-AI, Portkey): by default `--single-threaded-gc`, as
 * exai-http's Docker image starts node. Each target is pinned to one core, where V8's parallel GC helper threads
 * only wait for that core (decision 0034). `BENCH_NODE_FLAGS=''` runs them with Node's defaults.
 */
const targetFlags = (process.env.BENCH_NODE_FLAGS ?? '--single-threaded-gc').split(/\s+/).filter(Boolean);
const targetOptions = [...targetFlags, ...profileOptions];

async function startTargets(logDir) {
  const simulatorPort = await freePort();
  const simulator = await startNode({
    name: 'simulator',
    args: [simulatorCli, '--port', String(simulatorPort)],
    cpu: LOAD_CPU,
    port: simulatorPort,
    logDir,
    cwd: root,
  });
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const targets = {
    floor: {
      name: 'floor',
      label: 'simulator alone (floor)',
      url: simulatorUrl,
      path: '/v1/chat/completions',
      headers: {},
      pid: simulator.pid,
      process: simulator,
    },
  };
  const notes = [];
  if (settings.targets.includes('lean')) {
    const port = await freePort();
    const lean = await startNode({
      name: 'lean',
      args: [join(here, 'lean-proxy.mjs'), '--port', String(port), '--upstream', `${simulatorUrl}/v1`],
      nodeOptions: targetOptions,
      cpu: SERVER_CPU,
      port,
      logDir,
      cwd: root,
    });
    targets.lean = {
      name: 'lean',
      label: 'lean proxy (node:http + undici, no resilience)',
      url: `http://127.0.0.1:${port}`,
      path: '/v1/chat/completions',
      headers: {},
      pid: lean.pid,
      process: lean,
    };
  }
  for (const [name, workers] of [
    ['exai', 1],
    ['exai2', 2],
  ]) {
    if (!settings.targets.includes(name)) continue;
    if (await waitForFile(exaiCli, Number(process.env.BENCH_WAIT_EXAI_MS ?? 60_000))) {
      const port = await freePort();
      const config = {
        providers: { openai: { kind: 'openai', baseURL: `${simulatorUrl}/v1`, apiKey: 'sk-bench' } },
        // The defaults (16 per provider, 256 overall) are an admission policy, not overhead; Portkey has none.
        concurrency: { global: 100_000, perProvider: 100_000, maxQueue: 100_000 },
        store: { dataDir: join(logDir, `${name}-data`) },
      };
      const configFile = join(logDir, `${name}-config.json`);
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      const exai = await startNode({
        name,
        args: [exaiCli, '--port', String(port), '--config', configFile, '--workers', String(workers)],
        nodeOptions: targetOptions,
        // The default configuration, as the issue asks: auth on (the load sends `Bearer sk-bench`, a configured
        // key) and the request log on (SQLite in the data folder).
        env: { EXAI_SHUTDOWN_GRACE_MS: '2000', EXAI_API_KEYS: 'sk-bench', OPENAI_API_KEY: '' },
        cpu: workers === 1 ? SERVER_CPU : BOTH_CPUS,
        port,
        logDir,
        cwd: root,
      });
      targets[name] = {
        name,
        label: `EX-AI gateway ${packageVersion('apps/http-server/package.json')}${workers === 1 ? '' : `, ${workers} workers`}`,
        url: `http://127.0.0.1:${port}`,
        path: '/v1/chat/completions',
        headers: {},
        pid: exai.pid,
        process: exai,
      };
    } else {
      notes.push(`apps/http-server/dist/cli.js not found: EX-AI gateway not measured.`);
    }
  }
  if (settings.targets.includes('portkey')) {
    const port = await freePort();
    const portkey = await startNode({
      name: 'portkey',
      args: [portkeyStart, `--port=${port}`, '--headless'],
      nodeOptions: [...targetFlags, '--import', join(here, 'portkey-preload.mjs')],
      env: { NODE_ENV: 'production' },
      cpu: SERVER_CPU,
      port,
      logDir,
      cwd: root,
    });
    targets.portkey = {
      name: 'portkey',
      label: `Portkey gateway ${packageVersion('node_modules/@portkey-ai/gateway/package.json')}`,
      url: `http://127.0.0.1:${port}`,
      path: '/v1/chat/completions',
      headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${simulatorUrl}/v1` },
      pid: portkey.pid,
      process: portkey,
    };
  }
  return { targets, notes, simulatorUrl };
}

function machine() {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main() {
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  const logDir = mkdtempSync(join(tmpdir(), 'exai-bench-compare-'));
  const pinned = pinSelf(LOAD_CPU);
  process.stdout.write(
    `bench:compare: logs in ${logDir}; ${pinned ? `load on core ${LOAD_CPU}, gateways on core ${SERVER_CPU}` : 'no taskset: processes not pinned'}\n`,
  );
  const { targets, notes, simulatorUrl } = await startTargets(logDir);
  const order = ['floor', 'lean', 'exai', 'exai2', 'portkey'].filter(
    (name) => settings.targets.includes(name) && targets[name],
  );
  const checks = {};
  for (const mode of settings.modes) {
    for (const name of order) {
      const check = await checkAnswer(targets[name], mode, AbortSignal.timeout(10_000));
      checks[`${name}/${mode.name}`] = check;
      if (!check.ok)
        notes.push(`${targets[name].label} fails ${mode.name}: HTTP ${check.status} ${check.sample.slice(0, 120)}`);
    }
  }
  const cases = [];
  for (const mode of settings.modes) {
    for (const connections of mode.rate ? settings.rateConnections : settings.connections) {
      const row = {
        mode: mode.name,
        stream: mode.stream,
        latencyMs: mode.latencyMs,
        ...(mode.rate ? { rate: mode.rate } : {}),
        connections,
        results: {},
      };
      for (const name of order) {
        if (!checks[`${name}/${mode.name}`].ok) {
          row.results[name] = null;
          continue;
        }
        await fetch(`${simulatorUrl}/_sim/reset`, { method: 'POST' }); // keep the simulator's attempts log small
        row.results[name] = await runCase(targets[name], mode, {
          connections,
          durationSeconds: settings.durationSeconds,
          warmupSeconds: settings.warmupSeconds,
        });
        const result = row.results[name];
        process.stdout.write(
          `  ${mode.name.padEnd(9)} c=${String(connections).padEnd(3)} ${name.padEnd(7)} ${String(result.requestsPerSecond).padStart(6)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  rss ${result.peakRssMiB} MiB${result.non2xx + result.errors > 0 ? `  errors ${result.non2xx + result.errors}` : ''}\n`,
        );
      }
      cases.push(row);
    }
  }
  for (const name of order) await stopProcess(targets[name].process);
  const results = {
    date: new Date().toISOString(),
    machine: {
      ...machine(),
      loadAverage: { start: Math.round(loadAtStart * 100) / 100, end: Math.round(loadavg()[0] * 100) / 100 },
    },
    settings: {
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      connections: settings.connections,
      modes: settings.modes.map((mode) => mode.name),
    },
    placement: hasTaskset && pinned ? { load: LOAD_CPU, simulator: LOAD_CPU, gateways: SERVER_CPU } : null,
    targets: Object.fromEntries(order.map((name) => [name, targets[name].label])),
    portkeyStreaming:
      'runs with bench/compare/portkey-preload.mjs (upstream fetch responses re-wrapped with mutable headers; Portkey-AI/gateway#1389, #1550)',
    notes,
    wallSeconds: Math.round((Date.now() - started) / 1000),
    cases,
  };
  process.stdout.write(`\n${consoleTable(results)}\n`);
  if (settings.write) {
    writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    mkdirSync(join(root, 'docs/images'), { recursive: true });
    writeCharts(results, join(root, 'docs/images'));
    updateDocs(results, join(root, 'docs/benchmarks.md'));
    process.stdout.write(`wrote bench/compare/results.json, docs/benchmarks.md (tables) and docs/images/bench-*.svg\n`);
  }
  process.stdout.write(`bench:compare done in ${results.wallSeconds} s\n`);
}

process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll(1_000).finally(() => process.exit(130));
  });
}
main()
  .catch((error) => {
    process.stderr.write(`bench:compare failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll(3_000));
