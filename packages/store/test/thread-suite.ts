import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { manualClock, me, useStores } from './harness.js';
import type { Backend } from './services.js';

/** Thread behaviour, the same on every backend. */
export function defineThreadSuite(backend: Backend): void {
  describe(`threads (${backend.name})`, () => {
    const stores = useStores(backend);

    it('migrates once however often it starts, and records the schema version', async () => {
      const { store, location } = await stores.fresh();
      await store.ready();
      await store.ready();
      const second = stores.another(location);
      await second.ready();
      const thread = await second.createThread(me, { title: 'after two starts' });
      expect(await store.getThread(me, thread.id)).toMatchObject({ title: 'after two starts' });
    });

    it('creates a thread, appends turns in order and lists them', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread(me, {
        title: 'review',
        provider: 'glm',
        model: 'glm-4.6',
        metadata: { tool: 'chat', tags: ['a'] },
      });
      expect(thread.id).toMatch(/^thr_[0-9a-f]{24}$/);
      const first = await store.appendTurn(me, thread.id, {
        role: 'user',
        content: 'Hello',
        files: ['file_1'],
        tool: 'chat',
      });
      const second = await store.appendTurn(me, thread.id, {
        role: 'assistant',
        content: 'Hi there',
        model: 'glm-4.6',
        provider: 'glm',
        usage: { input_tokens: 3, output_tokens: 2 },
      });
      expect([first.seq, second.seq]).toEqual([1, 2]);
      const turns = await store.listTurns(me, thread.id);
      expect(turns.map((turn) => [turn.seq, turn.role, turn.content])).toEqual([
        [1, 'user', 'Hello'],
        [2, 'assistant', 'Hi there'],
      ]);
      expect(turns[0]).toMatchObject({ files: ['file_1'], tool: 'chat', usage: null });
      expect(turns[1]).toMatchObject({ files: [], usage: { input_tokens: 3, output_tokens: 2 }, provider: 'glm' });
      const read = await store.getThread(me, thread.id);
      expect(read).toMatchObject({
        title: 'review',
        provider: 'glm',
        model: 'glm-4.6',
        metadata: { tool: 'chat', tags: ['a'] },
      });
      expect(typeof read?.createdAt).toBe('number');
    });

    it('listTurns with a limit returns the latest turns, oldest first', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread(me);
      for (let index = 1; index <= 5; index += 1)
        await store.appendTurn(me, thread.id, { role: 'user', content: `turn ${index}` });
      const latest = await store.listTurns(me, thread.id, { limit: 2 });
      expect(latest.map((turn) => turn.content)).toEqual(['turn 4', 'turn 5']);
    });

    it('serialises concurrent appends to one thread', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread(me);
      const turns = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          store.appendTurn(me, thread.id, { role: 'user', content: `c${index}` }),
        ),
      );
      expect(turns.map((turn) => turn.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await store.listTurns(me, thread.id)).toHaveLength(8);
    });

    it('lists live threads most recently updated first, with offset', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now });
      const older = await store.createThread(me, { title: 'older' });
      clock.advance(10);
      const newer = await store.createThread(me, { title: 'newer' });
      clock.advance(10);
      await store.appendTurn(me, older.id, { role: 'user', content: 'bump' });
      const listed = await store.listThreads(me);
      expect(listed.map((thread) => thread.id)).toEqual([older.id, newer.id]);
      expect((await store.listThreads(me, { limit: 1, offset: 1 })).map((thread) => thread.id)).toEqual([newer.id]);
    });

    it('deletes a thread with its turns', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread(me);
      await store.appendTurn(me, thread.id, { role: 'user', content: 'x' });
      expect(await store.deleteThread(me, thread.id)).toBe(true);
      expect(await store.deleteThread(me, thread.id)).toBe(false);
      expect(await store.getThread(me, thread.id)).toBeUndefined();
      expect(await store.listTurns(me, thread.id)).toEqual([]);
    });

    it('rejects a turn for a thread that does not exist with NotFoundError', async () => {
      const { store } = await stores.fresh();
      const error = await store
        .appendTurn(me, 'thr_missing', { role: 'user', content: 'x' })
        .catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('not_found');
    });

    it('enforces maxTurns with BadRequestError', async () => {
      const { store } = await stores.fresh({ maxTurns: 3 });
      const thread = await store.createThread(me);
      for (let index = 0; index < 3; index += 1)
        await store.appendTurn(me, thread.id, { role: 'user', content: `${index}` });
      const error = await store
        .appendTurn(me, thread.id, { role: 'user', content: 'one too many' })
        .catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('bad_request');
      expect((error as Error).message).toMatch(/limit of 3 turns/);
      expect(await store.listTurns(me, thread.id)).toHaveLength(3);
    });

    it('appends a question and its answer together, or neither', async () => {
      const { store } = await stores.fresh({ maxTurns: 3 });
      const thread = await store.createThread(me);
      const pair = await store.appendTurns(me, thread.id, [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1', model: 'glm-4.6' },
      ]);
      expect(pair.map((turn) => turn.seq)).toEqual([1, 2]);
      // Two more would pass the limit of 3: nothing of the pair is stored.
      await expect(
        store.appendTurns(me, thread.id, [
          { role: 'user', content: 'q2' },
          { role: 'assistant', content: 'a2' },
        ]),
      ).rejects.toMatchObject({ code: 'bad_request' });
      expect((await store.listTurns(me, thread.id)).map((turn) => turn.content)).toEqual(['q1', 'a1']);
    });

    it('expires threads after threadTtlMs of inactivity and purges them', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now, threadTtlMs: 1_000 });
      const idle = await store.createThread(me, { title: 'idle' });
      const active = await store.createThread(me, { title: 'active' });
      await store.appendTurn(me, idle.id, { role: 'user', content: 'x' });
      clock.advance(800);
      await store.appendTurn(me, active.id, { role: 'user', content: 'keeps me alive' });
      clock.advance(400);
      expect(await store.getThread(me, idle.id)).toBeUndefined();
      expect(await store.getThread(me, active.id)).toMatchObject({ title: 'active' });
      expect((await store.listThreads(me)).map((thread) => thread.id)).toEqual([active.id]);
      const error = await store
        .appendTurn(me, idle.id, { role: 'user', content: 'late' })
        .catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('not_found');
      expect(await store.purgeExpired()).toBe(1);
      expect(await store.listTurns(me, idle.id)).toEqual([]);
      expect(await store.purgeExpired()).toBe(0);
      expect(await store.listTurns(me, active.id)).toHaveLength(1);
    });

    it('a thread written through one instance is read through another', async () => {
      const { store, location } = await stores.fresh();
      const thread = await store.createThread(me, { title: 'shared' });
      await store.appendTurn(me, thread.id, { role: 'user', content: 'from instance one' });
      const other = stores.another(location);
      expect(await other.getThread(me, thread.id)).toMatchObject({ title: 'shared' });
      expect((await other.listTurns(me, thread.id)).map((turn) => turn.content)).toEqual(['from instance one']);
      await other.appendTurn(me, thread.id, { role: 'assistant', content: 'from instance two' });
      expect((await store.listTurns(me, thread.id)).map((turn) => turn.seq)).toEqual([1, 2]);
    });

    it('an aborted signal cancels with CancelledError', async () => {
      const { store } = await stores.fresh();
      const controller = new AbortController();
      controller.abort();
      const error = await store.createThread(me, {}, { signal: controller.signal }).catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('cancelled');
    });
  });
}
