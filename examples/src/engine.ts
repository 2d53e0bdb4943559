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

    simulator.script('glm-4.6', 'stream-cut?chars=20'); // GLM's stream breaks after 20 characters
    //#region rescue
    // A stream that breaks after it started is finished by the next target of its chain.
    const rescueConfig = loadConfig({ env, input: { fallbacks: { 'glm-4.6': ['kimi/kimi-k2-0905-preview'] } } });
    const rescueStore = await openStore(rescueConfig, createLogger({ level: 'warn' }));
    const rescuing = createEngine({ config: rescueConfig, adapters: buildAdapters(rescueConfig), store: rescueStore });
    const stream = rescuing.stream({ model: 'glm-4.6', messages: [{ role: 'user', content: 'Explain SSE' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    console.log(text); // one seamless answer: GLM wrote the start, Kimi the rest
    console.log(stream.meta.resumed); // [{ provider: 'kimi', model: 'kimi-k2-0905-preview', at_char: 20 }]
    // `exai: { resume: false }` on a request (or `routes: { 'glm-4.6': { resume: false } }`) turns it off.
    //#endregion rescue
    assert.equal(text, 'Simulated answer to: Explain SSE');
    assert.deepEqual(stream.meta.resumed, [{ provider: 'kimi', model: 'kimi-k2-0905-preview', at_char: 20 }]);
    await rescuing.close();
    await rescueStore.close();
  } finally {
    await simulator.close();
    cleanup();
  }
}
