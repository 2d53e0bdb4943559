// The per-call cost of the resilience core — one managed session (limits, timeout, cancellation)
// plus a circuit breaker — against a bare call, measured in the same run.
// Usage: node bench/resilience/run.mjs [iterations]
import { createBreakerRegistry } from '../../packages/circuit-breakers/dist/index.js';
import { createSessionManager } from '../../packages/session-manager/dist/index.js';

const iterations = Number(process.argv[2] ?? 100_000);
const work = async () => 42;

async function measure(label, call, concurrency) {
  // Warm up, then take the best of three rounds (least disturbed by the other core's load).
  for (let index = 0; index < 5_000; index++) await call();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    if (concurrency === 1) {
      for (let index = 0; index < iterations; index++) await call();
    } else {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < iterations) await call();
        }),
      );
    }
    const micros = Number(process.hrtime.bigint() - started) / 1_000 / iterations;
    best = Math.min(best, micros);
  }
  return { label, micros: best };
}

const registry = createBreakerRegistry();
const breaker = registry.get('bench');
const manager = createSessionManager({ perProvider: 64, global: 256, maxQueue: 100_000 });
const rows = [];
for (const concurrency of [1, 64]) {
  const bare = await measure('bare call', work, concurrency);
  const breakerOnly = await measure('breaker.execute', () => breaker.execute(work), concurrency);
  const managed = await measure(
    'run() + breaker',
    () => manager.run(() => breaker.execute(work), { provider: 'bench' }),
    concurrency,
  );
  for (const row of [bare, breakerOnly, managed]) {
    rows.push({
      concurrency,
      case: row.label,
      'µs/call': row.micros.toFixed(3),
      'added µs': (row.micros - bare.micros).toFixed(3),
      ratio: (row.micros / bare.micros).toFixed(1),
    });
  }
}
console.log(`resilience overhead, ${iterations} calls per round, best of 3, Node ${process.version}`);
console.table(rows);
await registry.close();
