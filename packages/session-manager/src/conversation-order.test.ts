import { describe, expect, it } from 'vitest';
import { overlapCounter, sleep } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('per-conversation limit and order', () => {
  it('runs one call per conversation at a time, in arrival order, even with random durations', async () => {
    const manager = createSessionManager({ perProvider: 8 });
    const order: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const calls = Array.from({ length: 12 }, (_, index) =>
      manager.run(
        async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          order.push(index);
          await sleep((index * 7) % 11);
          running--;
        },
        { conversationId: 'thread-1', provider: 'openai' },
      ),
    );
    await Promise.all(calls);
    expect(order).toEqual([...Array(12).keys()]);
    expect(maxRunning).toBe(1);
  });

  it('keeps order across providers in one conversation; a busy provider makes the later call wait', async () => {
    const manager = createSessionManager({ perProvider: 1 });
    const order: string[] = [];
    const blocker = manager.run(() => sleep(30), { provider: 'glm' });
    const first = manager.run(async () => void order.push('glm call'), { conversationId: 'c', provider: 'glm' });
    const second = manager.run(async () => void order.push('openai call'), { conversationId: 'c', provider: 'openai' });
    await Promise.all([blocker, first, second]);
    expect(order).toEqual(['glm call', 'openai call']);
  });

  it('different conversations run side by side', async () => {
    const manager = createSessionManager();
    const counter = overlapCounter();
    await Promise.all(
      Array.from({ length: 6 }, (_, index) => manager.run(counter.task(20), { conversationId: `c${index}` })),
    );
    expect(counter.max).toBe(6);
  });

  it('perConversation above one allows that many at once', async () => {
    const manager = createSessionManager({ perConversation: 3 });
    const counter = overlapCounter();
    await Promise.all(Array.from({ length: 9 }, () => manager.run(counter.task(10), { conversationId: 'c' })));
    expect(counter.max).toBe(3);
  });

  it('a failed call does not stop the conversation: the next one runs', async () => {
    const manager = createSessionManager();
    const first = manager.runSettled(async () => Promise.reject(new Error('nope')), { conversationId: 'c' });
    const second = manager.run(async () => 'next', { conversationId: 'c' });
    expect((await first).ok).toBe(false);
    await expect(second).resolves.toBe('next');
  });
});
