import assert from 'node:assert/strict';
import type { ChatMessage } from '@exai/core';
//#region basic
import { createOpenAI, createOpenAICompatible } from '@exai/provider-openai';
//#endregion basic
import { startSimulator } from '@exai/provider-simulator';

/** `@exai/provider-openai`: OpenAI, and any OpenAI-compatible server (Ollama, vLLM) by URL. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  const signal = AbortSignal.timeout(10_000);
  const messages: ChatMessage[] = [{ role: 'user', content: 'Stream please' }];
  try {
    //#region basic
    // `openai` (exported beside the factories) reads OPENAI_API_KEY and OPENAI_BASE_URL at request time
    const openai = createOpenAI({ apiKey: 'sim-key', baseURL: simulator.baseURL('openai') });
    const reply = await openai.chat({ model: 'gpt', messages: [{ role: 'user', content: 'Hello' }] });

    const work = createOpenAI({ apiKey: 'sim-key', baseURL: simulator.baseURL('openai'), id: 'openai-work' });
    for await (const chunk of work.stream({ model: 'gpt-5.4-mini', messages }, { signal })) {
      process.stdout.write(chunk.choices[0]?.delta.content ?? '');
    }

    const ollama = createOpenAICompatible({
      id: 'ollama',
      baseURL: simulator.baseURL('openai'), // http://localhost:11434/v1
      apiKey: 'ollama', // sent as a bearer token; local servers ignore it
    });
    const models = await ollama.listModels?.(); // discovered from GET /models
    //#endregion basic
    assert.ok(reply.choices[0]?.message.content);
    assert.ok((models?.length ?? 0) > 0);
  } finally {
    await simulator.close();
  }
}
