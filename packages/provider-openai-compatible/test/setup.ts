import { startSimulator, type Simulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createModelCatalog, createOpenAICompatibleProvider, type OpenAICompatibleSettings } from '../src/index.js';

/** Starts one simulator for the file, resets it before each test. */
export function useSimulator(): { readonly sim: Simulator } {
  const holder: { sim?: Simulator } = {};
  beforeAll(async () => {
    holder.sim = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await holder.sim?.close();
  });
  beforeEach(() => holder.sim?.reset());
  return {
    get sim() {
      return holder.sim!;
    },
  };
}

export const TEST_KEY = 'sk-test-secret-0123456789';

export function adapterFor(sim: Simulator, overrides: Partial<OpenAICompatibleSettings> = {}) {
  return createOpenAICompatibleProvider({
    id: 'testprov',
    baseURL: sim.baseURL('openai'),
    apiKey: TEST_KEY,
    files: true,
    catalog: createModelCatalog([
      { id: 'gpt-test', contextWindow: 128_000, maxOutput: 16_000, aliases: ['tester'], capabilities: { vision: true } },
    ]),
    ...overrides,
  });
}

/** Waits until the simulator has finished (or seen the hang-up of) every logged request. */
export async function settled(sim: Simulator, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sim.log.some((attempt) => attempt.durationMs === null) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
