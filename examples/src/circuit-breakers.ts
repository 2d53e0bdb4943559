import assert from 'node:assert/strict';
//#region basic
import { createBreakerRegistry, retry } from '@exai/circuit-breakers';
//#endregion basic
import { createGlm } from '@exai/provider-glm';
import { exampleBasics, hello } from './support/basics.js';

/** `@exai/circuit-breakers`: a breaker per provider/model and `retry()` around one call, against the simulator. */
export async function main(): Promise<void> {
  const { simulator, config, logger } = await exampleBasics();
  const glm = createGlm({ apiKey: 'sim-key', baseURL: simulator.baseURL('glm') });
  const request = hello('glm-4.6');
  const signal = AbortSignal.timeout(10_000);
  simulator.script('glm-4.6', 'fail-times?n=1&status=503'); // the first call fails, the retry answers
  const routes = new Map<string, () => unknown>();
  const app = { get: (path: string, handler: () => unknown) => routes.set(path, handler) };
  try {
    //#region basic
    const breakers = createBreakerRegistry({
      defaults: config.breaker, // @exai/core's `breaker` config section
      perProvider: { minimax: { resetTimeoutMs: 30_000 } },
    });
    breakers.on('state', ({ key, from, to }) => logger.warn({ key, from, to }, 'breaker'));

    const breaker = breakers.get('glm/glm-4.6');
    const answer = await retry((_attempt, signal) => breaker.execute(() => glm.chat(request, { signal })), { signal });
    // circuit_open is thrown at once (not retried on the same key): fail over to another provider.

    app.get('/health', () => breakers.snapshot()); // state and rolling counts of every breaker
    //#endregion basic
    assert.ok(answer.choices[0]?.message.content);
    assert.deepEqual(
      simulator.log.map((attempt) => attempt.status),
      [503, 200],
    );
    await breakers.close();
  } finally {
    await simulator.close();
  }
}
