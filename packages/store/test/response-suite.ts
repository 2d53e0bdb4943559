import { describe, expect, it } from 'vitest';
import type { OwnerScope } from '../src/index.js';
import { useStores } from './harness.js';
import type { Backend } from './services.js';

const alice: OwnerScope = { owner: 'key:alice' };
const bob: OwnerScope = { owner: 'key:bob' };

/** Stored Responses API answers: kept, read back, replaced, deleted and expired per owner, on every backend. */
export function defineResponseSuite(backend: Backend): void {
  describe(`stored responses (${backend.name})`, () => {
    const stores = useStores(backend);
    const record = (id: string, status = 'completed') => ({
      id,
      response: { id, object: 'response', status },
      conversation: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
      inputItems: [{ id: 'msg_1', type: 'message', role: 'user', content: 'hi' }],
    });

    it("keeps a response for its owner only; another owner's id answers as unknown", async () => {
      const { store } = await stores.fresh();
      await store.putResponse(alice, record('resp_a'));
      const found = await store.getResponse(alice, 'resp_a');
      expect(found).toMatchObject({
        id: 'resp_a',
        owner: 'key:alice',
        response: { status: 'completed' },
        inputItems: [{ id: 'msg_1' }],
      });
      expect(found?.conversation).toHaveLength(2);
      expect(await store.getResponse(bob, 'resp_a')).toBeUndefined();
      expect(await store.deleteResponse(bob, 'resp_a')).toBe(false);
      // Bob cannot overwrite Alice's response by reusing its id.
      await store.putResponse(bob, record('resp_a', 'cancelled'));
      expect((await store.getResponse(alice, 'resp_a'))?.response.status).toBe('completed');
      expect(await store.deleteResponse(alice, 'resp_a')).toBe(true);
      expect(await store.getResponse(alice, 'resp_a')).toBeUndefined();
    });

    it("replaces the owner's own response (a background response finishing)", async () => {
      const { store } = await stores.fresh();
      await store.putResponse(alice, record('resp_b', 'in_progress'));
      await store.putResponse(alice, record('resp_b', 'completed'));
      expect((await store.getResponse(alice, 'resp_b'))?.response.status).toBe('completed');
    });

    it('moves a background response only from the statuses it names, for its owner only', async () => {
      const { store } = await stores.fresh();
      await store.putResponse(alice, { ...record('resp_t', 'queued'), status: 'queued' });
      const to = (status: string, from: string[]) => ({ from, status, response: { id: 'resp_t', status } });
      expect(await store.transitionResponse(bob, 'resp_t', to('cancelled', ['queued']))).toBe(false);
      expect(await store.transitionResponse(alice, 'resp_t', to('in_progress', ['queued']))).toBe(true);
      expect(await store.transitionResponse(alice, 'resp_t', to('cancelled', ['queued', 'in_progress']))).toBe(true);
      // The task finishing after the cancel does not overwrite it.
      const finished = { ...to('completed', ['in_progress']), conversation: [{ role: 'assistant', content: 'x' }] };
      expect(await store.transitionResponse(alice, 'resp_t', finished)).toBe(false);
      const found = await store.getResponse(alice, 'resp_t');
      expect(found).toMatchObject({ status: 'cancelled', response: { status: 'cancelled' } });
      expect(found?.conversation).toHaveLength(2);
      expect((await store.getResponse(alice, 'resp_a'))?.status).toBeUndefined();
    });

    it('expired responses are not found and are purged', async () => {
      let now = 1_000_000;
      const { store } = await stores.fresh({ now: () => now, threadTtlMs: 1_000 });
      await store.putResponse(alice, record('resp_c'));
      now += 2_000;
      expect(await store.getResponse(alice, 'resp_c')).toBeUndefined();
      expect(await store.purgeExpiredResponses()).toBe(1);
    });
  });
}
