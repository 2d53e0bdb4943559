import { describe, expect, it } from 'vitest';
import { createSessionManager } from './index.js';

// The gateway budget is well under 1 ms per request; measured locally ~10-20 µs uncontended and
// ~40-90 µs per call in queued bursts. The bounds here leave room for a loaded CI box.
describe('hot path cost', () => {
  const work = async () => 1;

  it('adds well under a millisecond to an uncontended call', async () => {
    const manager = createSessionManager();
    const options = (index: number) => ({ provider: 'openai', model: 'gpt-4o', conversationId: `c${index % 50}` });
    for (let index = 0; index < 500; index++) await manager.run(work, options(index));
    const calls = 3000;
    let started = performance.now();
    for (let index = 0; index < calls; index++) await work();
    const bare = performance.now() - started;
    started = performance.now();
    for (let index = 0; index < calls; index++) await manager.run(work, options(index));
    const managed = performance.now() - started;
    expect((managed - bare) / calls).toBeLessThan(0.2);
  });

  it('stays well under a millisecond per call when a burst has to queue', async () => {
    const manager = createSessionManager({ global: 32, perProvider: 8 });
    const calls = 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: calls }, (_, index) =>
        manager.run(work, { provider: `p${index % 4}`, conversationId: `c${index % 100}` }),
      ),
    );
    expect((performance.now() - started) / calls).toBeLessThan(0.5);
    expect(manager.metrics()).toMatchObject({ inFlight: 0, queued: 0, conversations: 0, totals: { completed: calls } });
  });
});
