import assert from 'node:assert/strict';
//#region basic
import { createMinimax } from '@exai/provider-minimax';
//#endregion basic
import { startSimulator } from '@exai/provider-simulator';

/** `@exai/provider-minimax`: MiniMax, with `<think>` split out of the answer. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  let text = '';
  try {
    //#region basic
    // `minimax` (exported beside createMinimax) reads MINIMAX_API_KEY; `region: 'mainland'` picks minimaxi.com
    const minimax = createMinimax({ apiKey: 'sim-key', baseURL: simulator.baseURL('minimax') });
    const answer = await minimax.chat({ model: 'minimax', messages: [{ role: 'user', content: 'Hello' }] });
    const { reasoning_content, content } = answer.choices[0]?.message ?? {};

    for await (const chunk of minimax.stream({
      model: 'MiniMax-M2.5',
      messages: [{ role: 'user', content: 'Why?' }],
    })) {
      text += chunk.choices[0]?.delta.content ?? ''; // never contains <think>
    }
    //#endregion basic
    assert.ok(content);
    assert.equal(typeof reasoning_content, 'string');
    assert.ok(text.length > 0 && !text.includes('<think>'));
  } finally {
    await simulator.close();
  }
}
