import assert from 'node:assert/strict';
//#region basic
import { createLogger, loadConfig } from '@exai/core';
import { buildAdapters, createEngine, localOwner, openStore } from '@exai/engine';
//#endregion basic
import { startSimulator } from '@exai/provider-simulator';
import { simulatedGatewayEnv } from './support/gateway-env.js';

/** `@exai/engine`: routing, fallbacks and memory over the providers the configuration names. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  const { env, cleanup } = simulatedGatewayEnv(simulator, 'engine'); // stands for process.env
  try {
    //#region basic
    // The caller is the composition root: it opens the store and builds the adapters.
    const config = loadConfig({ env });
    const store = await openStore(config, createLogger({ level: 'warn' }));
    const engine = createEngine({ config, adapters: buildAdapters(config), store });
    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const answer = await engine.chat({ model: 'glm', messages }, { remember: true, scope: { owner: localOwner } });
    console.log(answer.choices[0]?.message.content, answer.exai.provider, answer.exai.continuationId);

    for await (const chunk of engine.stream({
      model: 'kimi',
      messages: [{ role: 'user', content: 'Stream please' }],
    })) {
      process.stdout.write(chunk.choices[0]?.delta.content ?? '');
    }
    await engine.close();
    await store.close();
    //#endregion basic
    assert.equal(answer.exai.provider, 'glm');
    assert.ok(answer.exai.continuationId);
  } finally {
    await simulator.close();
    cleanup();
  }
}
