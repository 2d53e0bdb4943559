import type { ChatRequest } from '@exai/core';
import { localOwner } from '@exai/store';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

/**
 * Prompt-cache-aware affinity on the simulator, whose context cache reports the prompt prefix it
 * saw before as cached tokens: a thread keeps its model while the cache makes it cheaper there
 * (where `auto` would pick another model of the same provider), leaves when the model's breaker
 * opens, and comes back after recovery. Cached tokens are billed at the cached price.
 */

const pricing = { input: 10, cachedInput: 1, output: 10, currency: 'USD' };
const me = { owner: localOwner };
let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

const turn = (model: string, content: string, continuation?: string): ChatRequest => ({
  model,
  messages: [{ role: 'user', content }],
  ...(continuation ? { continuation_id: continuation } : {}),
});

describe('prompt-cache-aware affinity', () => {
  it('keeps the cached model, leaves it while its breaker is open, returns after recovery', async () => {
    env = await setup((baseURL) => ({
      providers: {
        primary: {
          kind: 'openai-compatible',
          baseURL,
          apiKey: 'test-key-primary',
          models: [{ id: 'model-a', contextWindow: 32_000, pricing }],
        },
        backup: {
          kind: 'openai-compatible',
          baseURL,
          apiKey: 'test-key-backup',
          models: [
            { id: 'model-b', contextWindow: 32_000, pricing },
            { id: 'model-big', contextWindow: 200_000, pricing },
          ],
        },
      },
      fallbacks: {},
    }));
    const first = await env.engine.chat(turn('model-b', 'Remember the word quokka, please'), {
      remember: true,
      scope: me,
    });
    const thread = first.exai.continuationId!;
    expect(first.exai).toMatchObject({ provider: 'backup', model: 'model-b' });

    // `auto` alone would take model-big (the larger context); the thread stays where its cache is.
    expect(env.engine.chain({ model: 'auto' })[0]?.model).toBe('model-big');
    const second = await env.engine.chat(turn('auto', 'Which word?', thread), { scope: me });
    expect(second.exai).toMatchObject({ provider: 'backup', model: 'model-b' });
    const cost = second.exai.cost!;
    const usage = second.usage!;
    expect(cost.cachedTokens).toBeGreaterThan(0);
    expect(usage.cached_tokens).toBe(cost.cachedTokens);
    expect(cost.amount).toBeCloseTo(
      ((usage.prompt_tokens - cost.cachedTokens) * 10 + cost.cachedTokens * 1 + usage.completion_tokens * 10) / 1e6,
      12,
    );

    // model-b fails until its breaker opens: the thread is answered elsewhere.
    env.sim.script('model-b', 'http-503');
    let away = await env.engine.chat(turn('auto', 'Still there?', thread), { scope: me });
    for (
      let calls = 0;
      away.exai.attempts.some((attempt) => attempt.model === 'model-b' && attempt.outcome !== 'circuit_open');
      calls++
    ) {
      expect(calls).toBeLessThan(10);
      away = await env.engine.chat(turn('auto', 'Still there?', thread), { scope: me });
    }
    expect(away.exai.model).not.toBe('model-b');

    // Recovered: after the breaker's reset timeout the thread goes home.
    env.sim.script('model-b', 'ok');
    let home = away;
    const deadline = Date.now() + 20_000;
    while (home.exai.model !== 'model-b' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      home = await env.engine.chat(turn('auto', 'Back again?', thread), { scope: me });
    }
    expect(home.exai).toMatchObject({ provider: 'backup', model: 'model-b' });
  }, 60_000);
});
