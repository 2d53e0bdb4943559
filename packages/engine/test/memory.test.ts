import { GatewayError } from '@exai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ask, collect, hits, setup } from './helpers.js';

let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

const me = { owner: 'tester' };
const failed = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error('it succeeded'),
    (caught: unknown) => caught as Error,
  );

const sentMessages = (attempt: { body?: unknown }) =>
  JSON.stringify((attempt.body as { messages: unknown[] }).messages);

describe('conversation memory', () => {
  it('a remembered answer returns a continuation id, and continuing sends the history oldest-first', async () => {
    env = await setup();
    const first = await env.engine.chat(ask('model-a', 'first question'), { remember: true, scope: me });
    const id = first.exai.continuationId!;
    expect(id).toBeTruthy();
    await env.engine.chat({ ...ask('model-a', 'second question'), continuation_id: id }, { scope: me });
    const third = await env.engine.chat({ ...ask('model-a', 'third question'), continuation_id: id }, { scope: me });
    expect(third.exai.continuationId).toBe(id);
    const sent = sentMessages(hits(env.sim, 'model-a').at(-1)!);
    const order = ['first question', 'Simulated answer to: first question', 'second question', 'third question'].map(
      (text) => sent.indexOf(text),
    );
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((left, right) => left - right)).toEqual(order);
    const roles = (await env.store.listTurns(me, id)).map((turn) => turn.role);
    expect(roles).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
  });

  it('a streamed answer is stored before the stream ends', async () => {
    env = await setup();
    const stream = env.engine.stream(ask('model-a', 'stream and remember'), { remember: true, scope: me });
    const { text, error } = await collect(stream);
    expect(error).toBeUndefined();
    const turns = await env.store.listTurns(me, stream.meta.continuationId!);
    expect(turns.at(-1)).toMatchObject({ role: 'assistant', content: text, provider: 'primary' });
  });

  it('an unknown continuation id is a clear not_found, and nothing reaches a provider', async () => {
    env = await setup();
    const error = await env.engine
      .chat({ ...ask('model-a'), continuation_id: 'thr_missing' }, { scope: me })
      .catch((caught: unknown) => caught);
    expect(GatewayError.isInstance(error) && error.code).toBe('not_found');
    expect((error as Error).message).toContain('continuation_id');
    expect(hits(env.sim, 'model-a')).toHaveLength(0);
  });

  it("another tenant's continuation id answers exactly as an unknown one, and nothing reaches a provider", async () => {
    env = await setup();
    const mine = await env.engine.chat(ask('model-a', 'private'), { remember: true, scope: me });
    const before = hits(env.sim, 'model-a').length;
    const other = { owner: 'someone-else' };
    const foreign = await failed(
      env.engine.chat({ ...ask('model-a'), continuation_id: mine.exai.continuationId! }, { scope: other }),
    );
    const unknown = await failed(
      env.engine.chat({ ...ask('model-a'), continuation_id: 'thr_missing' }, { scope: other }),
    );
    expect(GatewayError.isInstance(foreign) && foreign.code).toBe('not_found');
    expect(foreign.message.replace(mine.exai.continuationId!, 'ID')).toBe(unknown.message.replace('thr_missing', 'ID'));
    expect(hits(env.sim, 'model-a')).toHaveLength(before);
    // The same thread continues for its own tenant, and an admin scope reaches it too.
    await env.engine.chat(
      { ...ask('model-a', 'again'), continuation_id: mine.exai.continuationId! },
      { scope: { owner: 'root', admin: true } },
    );
    expect(await env.store.listTurns(me, mine.exai.continuationId!)).toHaveLength(4);
  });

  it('memory without a scope is refused before any provider call', async () => {
    env = await setup();
    await expect(env.engine.chat(ask('model-a'), { remember: true })).rejects.toThrow(/scope/);
    expect(hits(env.sim, 'model-a')).toHaveLength(0);
  });

  it('a failed answer stores nothing', async () => {
    env = await setup({ fallbacks: {} });
    const first = await env.engine.chat(ask('model-a', 'kept'), { remember: true, scope: me });
    env.sim.script('model-a', 'content-filter');
    await env.engine
      .chat({ ...ask('model-a', 'refused'), continuation_id: first.exai.continuationId }, { scope: me })
      .catch(() => undefined);
    const turns = await env.store.listTurns(me, first.exai.continuationId!);
    expect(turns.map((turn) => turn.content)).not.toContain('refused');
  });
});

describe('conversation affinity', () => {
  it('a thread sticks to its provider, leaves it while its breaker is open, and comes back after recovery', async () => {
    env = await setup({ fallbacks: {} });
    const engine = env.engine;
    // Left to itself, `auto` prefers the largest context: backup's model-big.
    expect((await engine.chat(ask('auto', 'no thread'))).provider).toBe('backup');
    const first = await engine.chat(ask('model-a', 'start'), { remember: true, scope: me });
    const id = first.exai.continuationId!;
    expect((await engine.chat({ ...ask('auto', 'sticks'), continuation_id: id }, { scope: me })).provider).toBe(
      'primary',
    );
    env.sim.script('model-a', 'http-503');
    for (let index = 0; index < 3; index++) {
      expect(
        (await engine.chat({ ...ask('auto', `while down ${index}`), continuation_id: id }, { scope: me })).provider,
      ).toBe('backup');
    }
    expect(engine.status().breakers.find((breaker) => breaker.key === 'primary/model-a')?.state).toBe('open');
    env.sim.script('model-a', null);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await engine.chat({ ...ask('auto', 'back'), continuation_id: id }, { scope: me })).provider).toBe(
      'primary',
    );
    expect((await engine.chat({ ...ask('auto', 'still'), continuation_id: id }, { scope: me })).provider).toBe(
      'primary',
    );
  });
});

describe('accounting', () => {
  it('every attempt is recorded with provider, model, outcome, latency and tokens', async () => {
    env = await setup();
    env.sim.script('model-a', 'http-503');
    const scope = { owner: 'key:alice' };
    const answer = await env.engine.chat(ask('model-a'), { route: '/test', caller: 'key:alice', scope });
    expect(answer.exai.attempts.length).toBeGreaterThanOrEqual(2);
    await env.engine.close(1_000);
    // The store was closed with the engine; a new handle on the same directory reads the log.
    const { createStore } = await import('@exai/store');
    const reopened = createStore({ dataDir: env.engine.config.store.dataDir });
    // The row belongs to the caller's tenant: another tenant lists nothing.
    expect(await reopened.listRequests({ owner: 'key:bob' })).toEqual([]);
    const [logged] = await reopened.listRequests(scope, { limit: 1 });
    expect(logged).toMatchObject({
      id: answer.exai.requestId,
      owner: 'key:alice',
      apiKeyId: 'key:alice',
      route: '/test',
      provider: 'backup',
      model: 'model-b',
      status: 200,
    });
    expect(logged?.attempts.map((attempt) => attempt.outcome)).toEqual(
      answer.exai.attempts.map((attempt) => (attempt.outcome === 'ok' ? 'success' : 'error')),
    );
    expect(logged?.attempts.at(-1)?.tokens).toBeGreaterThan(0);
    await reopened.close();
  });
});

describe('consensus through the engine', () => {
  it('asks each model with its stance and synthesises, with partial results when one fails', async () => {
    env = await setup();
    env.sim.script('model-big', 'http-400');
    const result = await env.engine.consensus({
      prompt: 'Should we adopt tabs?',
      participants: [
        { model: 'model-a', stance: 'for' },
        { model: 'model-b', stance: 'against' },
        { model: 'model-big', stance: 'neutral' },
      ],
      deadlineMs: 5_000,
      synthesize: { model: 'model-b' },
    });
    expect(result.partial).toBe(true);
    expect(result.responses.filter((response) => response.ok)).toHaveLength(2);
    expect(result.synthesis && 'content' in result.synthesis && result.synthesis.content).toBeTruthy();
    const forBody = sentMessages(hits(env.sim, 'model-a')[0]!);
    expect(forBody).not.toContain('Simulated answer');
  });
});
