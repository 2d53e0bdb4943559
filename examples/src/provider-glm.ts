import assert from 'node:assert/strict';
//#region basic
import { createGlm, glmWebSearchTool } from '@exai/provider-glm';
//#endregion basic
import { startSimulator } from '@exai/provider-simulator';

/** `@exai/provider-glm`: GLM (Z.ai / BigModel) with web search, citations and thinking. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  try {
    //#region basic
    // `glm` (exported beside createGlm) reads GLM_API_KEY at request time; `region: 'mainland'` picks BigModel
    const glm = createGlm({ apiKey: 'sim-key', baseURL: simulator.baseURL('glm') });
    const answer = await glm.chat({ model: 'glm', messages: [{ role: 'user', content: 'Hello' }] });

    const searched = await glm.chat({
      model: 'glm-4.6',
      messages: [{ role: 'user', content: 'AI news today' }],
      tools: [glmWebSearchTool()],
    });
    const sources = searched.citations; // [{ url, title, snippet, source, published }]

    const citations = await glm.webSearch('GLM-5 release', { count: 5, recency: 'oneWeek' });
    const messages = [{ role: 'user' as const, content: 'Why?' }];
    for await (const chunk of glm.stream({ model: 'glm', messages, thinking: { type: 'enabled' } })) {
      process.stdout.write(chunk.choices[0]?.delta.reasoning_content ?? chunk.choices[0]?.delta.content ?? '');
    }
    //#endregion basic
    assert.ok(answer.choices[0]?.message.content);
    assert.ok((sources?.length ?? 0) > 0);
    assert.ok(citations.length > 0);
  } finally {
    await simulator.close();
  }
}
