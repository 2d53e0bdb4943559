import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { manualClock, useStores } from './harness.js';
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
      const thread = await second.createThread({ title: 'after two starts' });
      expect(await store.getThread(thread.id)).toMatchObject({ title: 'after two starts' });
    });

    it('creates a thread, appends turns in order and lists them', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread({ title: 'review', provider: 'glm', model: 'glm-4.6', metadata: { tool: 'chat', tags: ['a'] } });
      expect(thread.id).toMatch(/^thr_[0-9a-f]{24}$/);
      const first = await store.appendTurn(thread.id, { role: 'user', content: 'Hello', files: ['file_1'], tool: 'chat' });
      const second = await store.appendTurn(thread.id, {
        role: 'assistant',
        content: 'Hi there',
        model: 'glm-4.6',
        provider: 'glm',
        usage: { input_tokens: 3, output_tokens: 2 },
      });
      expect([first.seq, second.seq]).toEqual([1, 2]);
      const turns = await store.listTurns(thread.id);
      expect(turns.map((turn) => [turn.seq, turn.role, turn.content])).toEqual([
        [1, 'user', 'Hello'],
        [2, 'assistant', 'Hi there'],
      ]);
      expect(turns[0]).toMatchObject({ files: ['file_1'], tool: 'chat', usage: null });
      expect(turns[1]).toMatchObject({ files: [], usage: { input_tokens: 3, output_tokens: 2 }, provider: 'glm' });
      const read = await store.getThread(thread.id);
      expect(read).toMatchObject({ title: 'review', provider: 'glm', model: 'glm-4.6', metadata: { tool: 'chat', tags: ['a'] } });
      expect(typeof read?.createdAt).toBe('number');
    });

    it('listTurns with a limit returns the latest turns, oldest first', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread();
      for (let index = 1; index <= 5; index += 1) await store.appendTurn(thread.id, { role: 'user', content: `turn ${index}` });
      const latest = await store.listTurns(thread.id, { limit: 2 });
      expect(latest.map((turn) => turn.content)).toEqual(['turn 4', 'turn 5']);
    });

    it('serialises concurrent appends to one thread', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread();
      const turns = await Promise.all(Array.from({ length: 8 }, (_, index) => store.appendTurn(thread.id, { role: 'user', content: `c${index}` })));
      expect(turns.map((turn) => turn.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await store.listTurns(thread.id)).toHaveLength(8);
    });

    it('lists live threads most recently updated first, with offset', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now });
      const older = await store.createThread({ title: 'older' });
      clock.advance(10);
      const newer = await store.createThread({ title: 'newer' });
      clock.advance(10);
      await store.appendTurn(older.id, { role: 'user', content: 'bump' });
      const listed = await store.listThreads();
      expect(listed.map((thread) => thread.id)).toEqual([older.id, newer.id]);
      expect((await store.listThreads({ limit: 1, offset: 1 })).map((thread) => thread.id)).toEqual([newer.id]);
    });

    it('deletes a thread with its turns', async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread();
      await store.appendTurn(thread.id, { role: 'user', content: 'x' });
      expect(await store.deleteThread(thread.id)).toBe(true);
      expect(await store.deleteThread(thread.id)).toBe(false);
      expect(await store.getThread(thread.id)).toBeUndefined();
      expect(await store.listTurns(thread.id)).toEqual([]);
    });

    it('rejects a turn for a thread that does not exist with NotFoundError', async () => {
      const { store } = await stores.fresh();
      const error = await store.appendTurn('thr_missing', { role: 'user', content: 'x' }).catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('not_found');
    });

    it('enforces maxTurns with BadRequestError', async () => {
      const { store } = await stores.fresh({ maxTurns: 3 });
      const thread = await store.createThread();
      for (let index = 0; index < 3; index += 1) await store.appendTurn(thread.id, { role: 'user', content: `${index}` });
      const error = await store.appendTurn(thread.id, { role: 'user', content: 'one too many' }).catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('bad_request');
      expect((error as Error).message).toMatch(/limit of 3 turns/);
      expect(await store.listTurns(thread.id)).toHaveLength(3);
    });

    it('appends a question and its answer together, or neither', async () => {
      const { store } = await stores.fresh({ maxTurns: 3 });
      const thread = await store.createThread();
      const pair = await store.appendTurns(thread.id, [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1', model: 'glm-4.6' },
      ]);
      expect(pair.map((turn) => turn.seq)).toEqual([1, 2]);
      // Two more would pass the limit of 3: nothing of the pair is stored.
      await expect(store.appendTurns(thread.id, [{ role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2' }])).rejects.toMatchObject({ code: 'bad_request' });
      expect((await store.listTurns(thread.id)).map((turn) => turn.content)).toEqual(['q1', 'a1']);
    });

    it('expires threads after threadTtlMs of inactivity and purges them', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now, threadTtlMs: 1_000 });
      const idle = await store.createThread({ title: 'idle' });
      const active = await store.createThread({ title: 'active' });
      await store.appendTurn(idle.id, { role: 'user', content: 'x' });
      clock.advance(800);
      await store.appendTurn(active.id, { role: 'user', content: 'keeps me alive' });
      clock.advance(400);
      expect(await store.getThread(idle.id)).toBeUndefined();
      expect(await store.getThread(active.id)).toMatchObject({ title: 'active' });
      expect((await store.listThreads()).map((thread) => thread.id)).toEqual([active.id]);
      const error = await store.appendTurn(idle.id, { role: 'user', content: 'late' }).catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('not_found');
      expect(await store.purgeExpired()).toBe(1);
      expect(await store.listTurns(idle.id)).toEqual([]);
      expect(await store.purgeExpired()).toBe(0);
      expect(await store.listTurns(active.id)).toHaveLength(1);
    });

    it('a thread written through one instance is read through another', async () => {
      const { store, location } = await stores.fresh();
      const thread = await store.createThread({ title: 'shared' });
      await store.appendTurn(thread.id, { role: 'user', content: 'from instance one' });
      const other = stores.another(location);
      expect(await other.getThread(thread.id)).toMatchObject({ title: 'shared' });
      expect((await other.listTurns(thread.id)).map((turn) => turn.content)).toEqual(['from instance one']);
      await other.appendTurn(thread.id, { role: 'assistant', content: 'from instance two' });
      expect((await store.listTurns(thread.id)).map((turn) => turn.seq)).toEqual([1, 2]);
    });

    it('an aborted signal cancels with CancelledError', async () => {
      const { store } = await stores.fresh();
      const controller = new AbortController();
      controller.abort();
      const error = await store.createThread({}, { signal: controller.signal }).catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('cancelled');
    });
  });
}
