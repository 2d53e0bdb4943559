import assert from 'node:assert/strict';
//#region basic
import { loadConfig } from '@exai/core';
import { localOwner } from '@exai/engine';
import { createToolRegistry, openGateway } from '@exai/tools';
//#endregion basic
import { startSimulator } from '@exai/provider-simulator';
import { simulatedGatewayEnv } from './support/gateway-env.js';

/** `@exai/tools`: the tool registry both apps serve, called directly. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  const { env, cleanup } = simulatedGatewayEnv(simulator, 'tools'); // stands for process.env
  const signal = AbortSignal.timeout(10_000);
  try {
    //#region basic
    // openGateway: the store and the adapters from the configuration, handed to the engine.
    const gateway = await openGateway({ config: loadConfig({ env }) });
    const tools = createToolRegistry({ engine: gateway.engine, store: gateway.store, profile: 'standard' });
    console.log(tools.list().map((tool) => tool.name)); // chat, consensus, thinkdeep, ...
    const scope = { owner: localOwner }; // the caller's tenant: threads and uploads are theirs only
    const result = await tools.call(
      'chat',
      { prompt: 'Hi', role: 'architect' },
      { signal, scope, progress: (p) => console.log(p) },
    );
    console.log(result.content, result.meta?.continuation_id); // continue with any tool
    await gateway.close();
    //#endregion basic
    assert.equal(result.isError ?? false, false);
    assert.ok(result.meta?.continuation_id);
  } finally {
    await simulator.close();
    cleanup();
  }
}
