import { afterEach, describe, expect, it } from 'vitest';
import { deferred, FAST, failingTask, isCircuitOpen, rejection, sleep, trip } from '../test/helpers.js';
import type { BreakerRegistry } from './index.js';
import { createBreakerRegistry, createMemorySharedBreakerState } from './index.js';

const registries: BreakerRegistry[] = [];
afterEach(async () => {
  for (const registry of registries.splice(0)) await registry.close();
});

function fleet(size: number) {
  const shared = createMemorySharedBreakerState();
  return Array.from({ length: size }, (_, index) => {
    const registry = createBreakerRegistry({ defaults: FAST, shared, instanceId: `instance-${index}` });
    registries.push(registry);
    return registry;
  });
}

describe('one half-open probe across the fleet', () => {
  it('when the hold ends, one instance probes and the others keep refusing until it settles', async () => {
    const [a, b, c] = fleet(3);
    for (const registry of [b!, c!]) await registry.get('glm').execute(async () => 'warm');
    const failing = failingTask();
    await trip(a!.get('glm'), failing);
    await sleep(FAST.resetTimeoutMs + 50); // the hold has ended everywhere
    const probe = deferred<string>();
    let upstream = 0;
    const task = () => {
      upstream++;
      return probe.promise;
    };
    const settled = Promise.allSettled([a, b, c, a, b, c].map((registry) => registry!.get('glm').execute(task)));
    await sleep(20);
    expect(upstream).toBe(1);
    probe.resolve('ok');
    const outcomes = await settled;
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(isCircuitOpen(outcome.reason)).toBe(true);
    await sleep(10); // the probe's "closed" reaches the others
    for (const registry of [a, b, c])
      await expect(registry!.get('glm').execute(async () => 'after')).resolves.toBe('after');
  });

  it('a failed probe starts a new hold for everyone: no instance probes again before it ends', async () => {
    const [a, b] = fleet(2);
    await b!.get('glm').execute(async () => 'warm');
    const failing = failingTask();
    await trip(a!.get('glm'), failing);
    await sleep(FAST.resetTimeoutMs + 50);
    const probes = failingTask();
    const started = Date.now();
    const arrivals: number[] = [];
    const task = () => {
      arrivals.push(Date.now() - started);
      return probes();
    };
    while (Date.now() - started < FAST.resetTimeoutMs * 3) {
      await Promise.allSettled([a!.get('glm').execute(task), b!.get('glm').execute(task)]);
      await sleep(10);
    }
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    for (let index = 1; index < arrivals.length; index++)
      expect(arrivals[index]! - arrivals[index - 1]!).toBeGreaterThanOrEqual(FAST.resetTimeoutMs - 20);
  });
});

describe('the probe schedule across the fleet', () => {
  it("an instance whose probe fails during another's hold goes on with the doubling, not from the start", async () => {
    const shared = createMemorySharedBreakerState();
    const [a, b] = ['a', 'b'].map((instanceId) => {
      const registry = createBreakerRegistry({
        defaults: { ...FAST, firstProbeMs: 100, resetTimeoutMs: 5_000 },
        shared,
        instanceId,
      });
      registries.push(registry);
      return registry;
    });
    await b!.get('glm').execute(async () => 'warm');
    const failing = failingTask();
    for (let call = 0; call < FAST.volumeThreshold; call++) await rejection(a!.get('glm').execute(failing));
    const opened = await shared.get('glm');
    expect((opened?.until ?? 0) - (opened?.updatedAt ?? 0)).toBeLessThanOrEqual(101);
    await sleep(150); // a's hold of 100 ms has ended; b probes (a does not send anything)
    await rejection(b!.get('glm').execute(failing));
    const record = await shared.get('glm');
    expect(record).toMatchObject({ state: 'open', instance: 'b' });
    expect(record!.until! - record!.updatedAt).toBeGreaterThanOrEqual(195);
    expect(record!.until! - record!.updatedAt).toBeLessThanOrEqual(205);
  });
});
