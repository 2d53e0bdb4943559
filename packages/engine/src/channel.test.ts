import { describe, expect, it } from 'vitest';
import { Channel } from './channel.js';

const never = () => new Error('timed out');

describe('Channel', () => {
  it('holds at most its capacity: a full push waits until the consumer takes an item', async () => {
    const channel = new Channel<number>(2);
    expect(channel.push(1)).toBeUndefined();
    const full = channel.push(2);
    expect(full).toBeInstanceOf(Promise);
    let resumed = false;
    void full?.then(() => {
      resumed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(resumed).toBe(false);
    expect(await channel.next(1_000, never)).toEqual({ done: false, value: 1 });
    await full;
    expect(resumed).toBe(true);
    channel.close();
    expect(await channel.next(1_000, never)).toEqual({ done: false, value: 2 });
    expect(await channel.next(1_000, never)).toEqual({ done: true });
  });

  it('a waiting push rejects with the abort reason when the producer is aborted', async () => {
    const channel = new Channel<string>(1);
    const controller = new AbortController();
    const waiting = channel.push('a', controller.signal);
    controller.abort(new Error('caller stopped reading'));
    await expect(waiting).rejects.toThrow('caller stopped reading');
  });
});
