import type { Simulator } from '@exai/provider-simulator';
import { createModelCatalog, createOpenAICompatibleProvider, type OpenAICompatibleSettings } from '../src/index.js';

export { collect, settled, useSimulator } from '@exai/provider-simulator/test';

export const TEST_KEY = 'sk-test-secret-0123456789';

export function adapterFor(sim: Simulator, overrides: Partial<OpenAICompatibleSettings> = {}) {
  return createOpenAICompatibleProvider({
    id: 'testprov',
    baseURL: sim.baseURL('openai'),
    apiKey: TEST_KEY,
    files: true,
    catalog: createModelCatalog([
      {
        id: 'gpt-test',
        contextWindow: 128_000,
        maxOutput: 16_000,
        aliases: ['tester'],
        capabilities: { vision: true },
      },
    ]),
    ...overrides,
  });
}
