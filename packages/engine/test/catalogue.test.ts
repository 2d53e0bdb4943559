import { GatewayError } from '@exai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ask, collect, hits, setup } from './helpers.js';

// The public fail-over catalogue, each scenario streaming and non-streaming on a fresh engine
// (primary `model-a`, fallback `backup/model-b`). Every one ends with the complete answer, except
// content filter, whose reason reaches the caller. failover.test.ts times the waits; this file
// checks that both modes end the same way.

let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

const whole = 'Simulated answer to: hello there';
// Limits with room for a loaded machine (the scripted silences are longer still).
const generous = { requestMs: 20_000, attemptMs: 2_500, firstTokenMs: 2_000, idleMs: 1_500 };

type Mode = 'streaming' | 'non-streaming';

async function run(mode: Mode, request: Parameters<typeof env.engine.chat>[0]) {
  if (mode === 'non-streaming') {
    try {
      const answer = await env.engine.chat(request);
      return { text: answer.choices[0]?.message.content as string, error: undefined, meta: answer.exai };
    } catch (error) {
      return { text: '', error, meta: undefined };
    }
  }
  const stream = env.engine.stream(request);
  return { ...(await collect(stream)), meta: stream.meta };
}

const scenarios: Array<[name: string, script: string, answeredBy: 'primary' | 'backup']> = [
  ['429 with Retry-After', 'fail-times?n=1&status=429', 'primary'],
  ['429 forever', 'http-429?retry_after=1', 'backup'],
  ['500 once', 'http-500-once', 'primary'],
  ['503 forever', 'http-503', 'backup'],
  ['reset before headers', 'reset-before-headers', 'backup'],
  ['no response at all', 'no-response', 'backup'],
  ['a slow first token', 'slow-first-token?ms=6000', 'backup'],
  ['a cut mid-answer', 'stream-cut?after=3', 'backup'],
  ['a stall mid-answer', 'stream-stall?after=3', 'backup'],
  ['a malformed chunk', 'malformed-chunk?after=3', 'backup'],
];

describe.each<Mode>(['streaming', 'non-streaming'])('the fail-over catalogue, %s', (mode) => {
  it.each(scenarios)('%s: the complete answer', async (_name, script, answeredBy) => {
    env = await setup({ timeouts: generous });
    env.sim.script('model-a', script);
    const { text, error, meta } = await run(mode, ask('model-a'));
    expect(error).toBeUndefined();
    expect(text).toBe(whole);
    // The last contributor answered; for a rescued stream the primary wrote the start.
    expect(meta?.provider).toBe(answeredBy);
    expect(meta?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('no [DONE]: the complete answer from the primary (the stream was whole)', async () => {
    env = await setup({ timeouts: generous });
    env.sim.script('model-a', 'missing-done');
    const { text, error, meta } = await run(mode, ask('model-a'));
    expect(error).toBeUndefined();
    expect(text).toBe(whole);
    expect(meta?.provider).toBe('primary');
  });

  it('content filter: no retry, no fail-over, the reason reaches the caller', async () => {
    env = await setup({ timeouts: generous });
    env.sim.script('model-a', 'content-filter');
    const { error } = await run(mode, ask('model-a'));
    expect(GatewayError.isInstance(error) && error.code).toBe('content_filter');
    expect((error as Error).message).toContain('Simulated content filter');
    expect(hits(env.sim, 'model-a')).toHaveLength(1);
    expect(hits(env.sim, 'model-b')).toHaveLength(0);
  });

  describe('context length with an explicit `models` list', () => {
    it('tries the next listed model with a larger window, never the same model or a smaller one', async () => {
      env = await setup({ fallbacks: {}, timeouts: generous });
      env.sim.script('model-a', 'context-length');
      const { text, meta } = await run(mode, {
        ...ask('model-a'),
        models: ['model-a', 'backup/model-b', 'backup/model-big'],
      });
      expect(text).toBe(whole);
      expect(meta?.model).toBe('model-big');
      expect(hits(env.sim, 'model-a')).toHaveLength(1);
      expect(hits(env.sim, 'model-b')).toHaveLength(0);
    });

    it('a listed model of unknown window is tried', async () => {
      env = await setup({ fallbacks: {}, timeouts: generous });
      env.sim.script('model-big', 'context-length');
      const { text, meta } = await run(mode, {
        ...ask('backup/model-big'),
        models: ['backup/model-b', 'backup/mystery'],
      });
      expect(text).toBe(whole);
      expect(meta?.model).toBe('mystery');
      expect(hits(env.sim, 'model-b')).toHaveLength(0);
    });

    it("with no larger candidate, the provider's reason reaches the caller", async () => {
      env = await setup({ fallbacks: {}, timeouts: generous });
      env.sim.script('model-big', 'context-length');
      const { error } = await run(mode, { ...ask('backup/model-big'), models: ['backup/model-b', 'model-a'] });
      expect(GatewayError.isInstance(error) && error.code).toBe('context_length');
      expect((error as Error).message).toMatch(/context/i);
      expect(hits(env.sim, 'model-b')).toHaveLength(0);
      expect(hits(env.sim, 'model-a')).toHaveLength(0);
    });
  });
});
