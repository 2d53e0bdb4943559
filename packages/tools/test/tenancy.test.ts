import { resolve } from 'node:path';
import type { Engine, Store } from '@exai/engine';
import type { Simulator } from '@exai/provider-simulator';
import { describe, expect, it } from 'vitest';
import { createToolRegistry, type ToolContext, type ToolRegistry } from '../src/index.js';
import { gatewayForFile } from './helpers.js';

let sim: Simulator;
let engine: Engine;
let store: Store;
let registry: ToolRegistry;

const alice: ToolContext = { scope: { owner: 'key:alice' } };
const bob: ToolContext = { scope: { owner: 'key:bob' } };
const admin: ToolContext = { scope: { owner: 'admin:root', admin: true } };

gatewayForFile(['glm', 'kimi'], { retry: { maxAttempts: 1, maxAttemptsPerRequest: 1 } }, (opened) => {
  ({ sim, engine, store } = opened);
  registry = createToolRegistry({
    engine,
    store,
    env: {},
    profile: 'full',
    allowedRoots: [resolve(import.meta.dirname, '..')],
  });
});

/** A failure's text with the id it names replaced, to compare a foreign id's answer with an unknown one's. */
const masked = (text: string, id: string) => text.replaceAll(id, 'ID');

describe('tools per tenant', () => {
  it("B cannot list, show, continue or delete A's thread, and each answer is the unknown-id answer; an admin sees both", async () => {
    const started = await registry.call('chat', { prompt: 'the secret is 42', model: 'glm-4.6' }, alice);
    const id = String(started.meta?.continuation_id);
    expect(id).toMatch(/^thr_/);
    const bobs = String(
      (await registry.call('chat', { prompt: 'my own', model: 'glm-4.6' }, bob)).meta?.continuation_id,
    );

    const listed = await registry.call('threads', { action: 'list' }, bob);
    expect(listed.content).toContain(bobs);
    expect(listed.content).not.toContain(id);
    for (const action of ['show', 'delete'] as const) {
      const foreign = await registry.call('threads', { action, continuation_id: id }, bob);
      const unknown = await registry.call('threads', { action, continuation_id: 'thr_unknown' }, bob);
      expect(foreign.isError).toBe(true);
      expect(masked(foreign.content, id)).toBe(masked(unknown.content, 'thr_unknown'));
    }
    const calls = sim.log.length;
    const continued = await registry.call(
      'chat',
      { prompt: 'what was the secret?', model: 'glm-4.6', continuation_id: id },
      bob,
    );
    const unknown = await registry.call(
      'chat',
      { prompt: 'what was the secret?', model: 'glm-4.6', continuation_id: 'thr_unknown' },
      bob,
    );
    expect(continued.isError).toBe(true);
    expect(masked(continued.content, id)).toBe(masked(unknown.content, 'thr_unknown'));
    expect(sim.log.length).toBe(calls);
    const consensus = await registry.call(
      'consensus',
      { prompt: 'x', models: [{ model: 'glm-4.6' }], continuation_id: id },
      bob,
    );
    expect(consensus.isError).toBe(true);
    expect(sim.log.length).toBe(calls);

    // A's thread is intact and still A's; the admin lists both with their owners.
    const shown = await registry.call('threads', { action: 'show', continuation_id: id }, alice);
    expect(shown.content).toContain('the secret is 42');
    const all = await registry.call('threads', { action: 'list', limit: 100 }, admin);
    expect(all.content).toContain(`${id} owner:key:alice`);
    expect(all.content).toContain(`${bobs} owner:key:bob`);
    expect((await registry.call('threads', { action: 'delete', continuation_id: bobs }, admin)).isError).toBeFalsy();
    expect((await registry.call('threads', { action: 'show', continuation_id: bobs }, bob)).isError).toBe(true);
  });

  it("provider uploads: B neither reuses, lists nor deletes A's upload; the admin lists both", async () => {
    const uploads = () =>
      sim.log.filter((attempt) => attempt.method === 'POST' && attempt.path.endsWith('/files')).length;
    const before = uploads();
    const first = await registry.call('file_query', { prompt: 'name?', files: ['package.json'] }, alice);
    expect(first.isError, first.content).toBeFalsy();
    const fileId = String((first.structured?.uploads as Array<{ file_id: string }> | undefined)?.[0]?.file_id);
    const second = await registry.call('file_query', { prompt: 'name?', files: ['package.json'] }, bob);
    expect(second.structured?.uploads).toEqual([expect.objectContaining({ reused: false })]);
    expect(uploads()).toBe(before + 2);

    const listed = await registry.call('files', { action: 'list' }, bob);
    expect(listed.content).not.toContain(fileId);
    const refused = await registry.call('files', { action: 'delete', file_id: fileId, provider: 'kimi' }, bob);
    expect(refused.isError).toBe(true);
    expect(masked(refused.content, fileId)).toBe(
      masked(
        (await registry.call('files', { action: 'delete', file_id: 'nope', provider: 'kimi' }, bob)).content,
        'nope',
      ),
    );
    expect(sim.log.some((attempt) => attempt.method === 'DELETE')).toBe(false);
    expect((await registry.call('files', { action: 'list' }, alice)).content).toContain(fileId);
    const everything = await registry.call('files', { action: 'list' }, admin);
    expect(everything.content).toContain(`${fileId} owner:key:alice`);
    expect(everything.content).toContain('owner:key:bob');
  });

  it('a call without a caller scope is refused, never run as everyone', async () => {
    const result = await registry.call('threads', { action: 'list' }, {} as ToolContext);
    expect(result.isError).toBe(true);
    expect(result.content).toContain('no caller identity');
  });
});
