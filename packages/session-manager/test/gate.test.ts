import { describe, expect, it } from 'vitest';
import { Gate } from '../src/gate.js';
import { runSpy } from './helpers.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

describe('Gate', () => {
  it('starts a task at once when a slot is free, else in arrival order as slots free up', async () => {
    const gate = new Gate(2);
    const started: number[] = [];
    const holds = [deferred(), deferred(), deferred(), deferred()];
    const done = holds.map((hold, index) =>
      gate.add(() => {
        started.push(index);
        return hold.promise.then(() => index);
      }),
    );
    expect(started).toEqual([0, 1]);
    holds[1]!.resolve();
    await done[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    holds[0]!.resolve();
    holds[2]!.resolve();
    holds[3]!.resolve();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('takes an aborted waiter out of the line with the reason, and never runs it', async () => {
    const gate = new Gate(1);
    const hold = deferred();
    const first = gate.add(() => hold.promise);
    const never = runSpy();
    const waiting = gate.add(never.fn, { signal: never.controller.signal });
    const next = gate.add(async () => 'next');
    never.controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    hold.resolve();
    await first;
    expect(await next).toBe('next');
    expect(never.ran).toBe(false);
    await expect(gate.add(async () => 1, { signal: never.controller.signal })).rejects.toThrow('gone');
  });

  it('frees the slot of a task that throws', async () => {
    const gate = new Gate(1);
    await expect(
      gate.add(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await gate.add(async () => 'after')).toBe('after');
  });
});
