import type { SharedBreakerState } from '@exai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, FAST, failingTask, isCircuitOpen, rejection, sleep, trip } from '../test/helpers.js';
import type { BreakerRegistry, BreakerStateEvent } from './index.js';
import { createBreakerRegistry, createMemorySharedBreakerState } from './index.js';

const registries: BreakerRegistry[] = [];
afterEach(async () => {
  for (const registry of registries.splice(0)) await registry.close();
});

function pair(shared: SharedBreakerState, options: { sharedRefreshMs?: number } = {}) {
  const a = createBreakerRegistry({ defaults: FAST, shared, instanceId: 'a', ...options });
  const b = createBreakerRegistry({ defaults: FAST, shared, instanceId: 'b', ...options });
  registries.push(a, b);
  return { a, b };
}

async function open(registry: BreakerRegistry, key: string) {
  await trip(registry.get(key));
  expect(registry.get(key).state).toBe('open');
}

/** The memory state with its push channel cut off: only `get` carries news. */
function withoutPush(shared: SharedBreakerState, counter: { gets: number }): SharedBreakerState {
  return {
    publish: (key, record) => shared.publish(key, record),
    get: (key) => {
      counter.gets++;
      return shared.get(key);
    },
    subscribe: () => () => {},
  };
}

describe('shared state across instances', () => {
  it('an instance fails fast while another instance has the key open, then sends its own single probe', async () => {
    const { a, b } = pair(createMemorySharedBreakerState());
    const events: BreakerStateEvent[] = [];
    b.on('state', (event) => events.push(event));
    const onB = b.get('glm');
    await onB.execute(async () => 'warm'); // b has a breaker for the key before a opens it
    await open(a, 'glm');
    await sleep(5); // pub/sub delivery
    expect(onB.state).toBe('open');

    let calls = 0;
    const refused = await rejection(
      onB.execute(async () => {
        calls++;
        return 'no';
      }),
    );
    expect(calls).toBe(0);
    expect(isCircuitOpen(refused)).toBe(true);
    if (!isCircuitOpen(refused)) return;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(FAST.resetTimeoutMs);
    expect(b.snapshot()[0]).toMatchObject({ state: 'open', openedBy: 'a', rejections: 1 });

    await sleep(FAST.resetTimeoutMs + 50);
    expect(onB.state).toBe('half_open');
    const probe = deferred<string>();
    const results = Promise.allSettled(
      Array.from({ length: 3 }, () =>
        onB.execute(() => {
          calls++;
          return probe.promise;
        }),
      ),
    );
    await sleep(10);
    expect(calls).toBe(1);
    probe.resolve('ok');
    expect((await results).map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(onB.state).toBe('closed');
    expect(events.map(({ from, to }) => `${from}->${to}`)).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->closed',
    ]);
  });

  it('an instance that never called the provider shows the key open as soon as another instance opens it', async () => {
    const { a, b } = pair(createMemorySharedBreakerState());
    const events: BreakerStateEvent[] = [];
    b.on('state', (event) => events.push(event));
    expect(b.snapshot()).toEqual([]);
    await open(a, 'glm/glm-4.6');
    await sleep(5); // pub/sub delivery
    // b made no call and asked for no breaker: its status (what /readyz reads) shows the fleet's state.
    expect(b.snapshot()).toMatchObject([{ key: 'glm/glm-4.6', state: 'open', openedBy: 'a', calls: 0 }]);
    expect(events.map((event) => [event.key, event.to])).toEqual([['glm/glm-4.6', 'open']]);
    expect(isCircuitOpen(await rejection(b.get('glm/glm-4.6').execute(async () => 'no')))).toBe(true);
    // A closed record for a key b has no breaker for creates none (a new breaker is closed anyway).
    await a.get('kimi').execute(async () => 'ok');
    await sleep(5);
    expect(b.snapshot().map((snapshot) => snapshot.key)).toEqual(['glm/glm-4.6']);
  });

  it('breakers made from shared records are bounded: 10,000 made-up keys do not make 10,000 breakers', async () => {
    const shared = createMemorySharedBreakerState();
    const { b } = pair(shared);
    const until = Date.now() + 60_000;
    for (let index = 0; index < 10_000; index++)
      await shared.publish(`glm/made-up-${index}`, {
        state: 'open',
        until,
        instance: 'elsewhere',
        updatedAt: Date.now(),
      });
    await sleep(20);
    const count = b.snapshot().length;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(1_000);
    // A key b uses itself is still created and works.
    expect(await b.get('glm/glm-4.6').execute(async () => 'ok')).toBe('ok');
  });

  it('reads the record before the first call, then at most once per refresh interval, with no push', async () => {
    const counter = { gets: 0 };
    const { a, b } = pair(withoutPush(createMemorySharedBreakerState(), counter), { sharedRefreshMs: 250 });
    await open(a, 'kimi/kimi-k2');
    counter.gets = 0;
    let calls = 0;
    const refused = await rejection(
      b.get('kimi/kimi-k2').execute(async () => {
        calls++;
        return 'no';
      }),
    );
    expect(isCircuitOpen(refused)).toBe(true);
    expect(calls).toBe(0);

    const other = b.get('kimi/other');
    for (let call = 0; call < 20; call++) await other.execute(async () => 'ok');
    expect(counter.gets).toBe(2); // one read per key, not one per call
    await sleep(260);
    await other.execute(async () => 'ok');
    expect(counter.gets).toBe(3);
  });

  it('a failed probe on the second instance opens it locally and publishes its own record', async () => {
    const shared = createMemorySharedBreakerState();
    const { a, b } = pair(shared);
    await b.get('glm').execute(async () => 'warm');
    await open(a, 'glm');
    await sleep(FAST.resetTimeoutMs + 50);
    await rejection(b.get('glm').execute(failingTask()));
    expect(b.get('glm').state).toBe('open');
    expect(b.snapshot()[0]?.openedBy).toBe('b');
    expect(await shared.get('glm')).toMatchObject({ state: 'open', instance: 'b' });
  });

  it('a closed record from the instance that opened the key lifts the hold early', async () => {
    const shared = createMemorySharedBreakerState();
    const { a, b } = pair(shared, { sharedRefreshMs: 10_000 });
    await b.get('glm').execute(async () => 'warm');
    await open(a, 'glm');
    await sleep(5);
    expect(b.get('glm').state).toBe('open');
    await sleep(FAST.resetTimeoutMs + 50);
    await a.get('glm').execute(async () => 'probe'); // a closes and publishes it
    await sleep(5);
    expect(b.get('glm').state).toBe('closed');
  });

  it('never fails a call because the shared state fails', async () => {
    const errors: string[] = [];
    const broken: SharedBreakerState = {
      publish: () => Promise.reject(new Error('store down')),
      get: () => Promise.reject(new Error('store down')),
      subscribe: () => () => {},
    };
    const hanging: SharedBreakerState = { ...broken, get: () => new Promise(() => {}) };
    const registry = createBreakerRegistry({
      defaults: FAST,
      shared: broken,
      onError: (_error, context) => errors.push(context.operation),
    });
    const slow = createBreakerRegistry({ defaults: FAST, shared: hanging, sharedReadTimeoutMs: 20 });
    registries.push(registry, slow);
    await expect(registry.get('glm').execute(async () => 'ok')).resolves.toBe('ok');
    await open(registry, 'glm');
    await sleep(5);
    expect(errors).toEqual(['get', 'publish']);
    await expect(slow.get('glm').execute(async () => 'ok')).resolves.toBe('ok');
  });
});
