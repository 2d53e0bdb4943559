/**
 * The contract every thin provider (`createGlm`, `createKimi`, `createMinimax`) keeps against the
 * provider simulator, as vitest tests (`@exai/provider-openai-compatible/test`). The test file hands over
 * `@exai/provider-simulator/test` (a test-only dependency of its package) to `thinProviderUnderTest`, which
 * starts the file's simulator, runs the contract and creates the provider under test.
 */
import { type ChatRequest, GatewayError, type ProviderAdapter } from '@exai/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProviderSettings } from './factory.js';
import { runToolLoop, type ToolLoopTool } from './tool-loop.js';

export interface ThinProviderContract {
  create(settings: ProviderSettings<never>): ProviderAdapter;
  /** The package's default instance (reads `<KIND>_API_KEY` and `<KIND>_BASE_URL` on first use). */
  defaultInstance: ProviderAdapter;
  /** A plain one-message request to a model of the provider. */
  hello: ChatRequest;
  /** The field the caller's `max_tokens` reaches the provider as. Default `max_tokens`. */
  tokenLimitField?: 'max_tokens' | 'max_completion_tokens';
  /** The file's simulator (`useSimulator()`); the contract asks it for the provider's base URL. */
  simulator: { readonly sim: { baseURL(dialect: string): string } };
  /** The chat request bodies the simulator received since its last reset (`chatRequestBodies`). */
  chatBodies(): Record<string, unknown>[];
  /** Runs `run` with the variables set in `process.env` (`withEnv` of the simulator's test helpers). */
  withEnv<T>(variables: Record<string, string>, run: () => Promise<T>): Promise<T>;
}

/** The GatewayError a call rejects with (anything else fails the test). */
export async function failureOf(run: () => Promise<unknown>): Promise<GatewayError> {
  try {
    await run();
  } catch (error) {
    if (GatewayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** A `weather(city)` tool for tool-loop tests; it answers `<weather> in <city>`. */
export function weatherTool(weather: string): ToolLoopTool {
  return {
    name: 'weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    handler: ({ city }) => `${weather} in ${String(city)}`,
  };
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream);
}

/** The tests every thin provider passes: request merging, error mapping, no hidden retries, the default instance. */
export function describeThinProviderContract(contract: ThinProviderContract): void {
  const { hello, tokenLimitField = 'max_tokens' } = contract;
  const kind = contract.defaultInstance.kind;
  const baseURL = () => contract.simulator.sim.baseURL(kind);
  const adapter = (apiKey = 'test-key') => contract.create({ apiKey, baseURL: baseURL(), env: {} });

  describe(`the ${kind} adapter contract against the simulator`, () => {
    it('merges provider_options but never over model, messages, stream or the token limits', async () => {
      await adapter().chat({
        ...hello,
        max_tokens: 40,
        provider_options: {
          model: 'other-model',
          messages: [],
          stream: true,
          max_tokens: 999_999,
          n: 8,
          user_tag: 'kept',
        },
      });
      const body = contract.chatBodies().at(-1)!;
      expect(body).toMatchObject({
        messages: [{ role: 'user', content: 'hello' }],
        [tokenLimitField]: 40,
        user_tag: 'kept',
      });
      if (tokenLimitField !== 'max_tokens') expect(body).not.toHaveProperty('max_tokens');
      expect(body.model).not.toBe('other-model');
      expect(body).not.toHaveProperty('stream');
      expect(body).not.toHaveProperty('n');
    });

    it('maps a bad key to auth, without the key in the message', async () => {
      const error = await failureOf(() => adapter('bad-key').chat(hello));
      expect(error.code).toBe('upstream_auth');
      expect(error.message).not.toContain('bad-key');
    });

    it.each([
      ['context-length', 'context_length', false],
      ['content-filter', 'content_filter', false],
      ['http-500', 'server', true],
      ['http-503', 'overloaded', true],
    ])('maps scenario %s to %s, in chat and in streams', async (scenario, code, retryable) => {
      const options = { headers: { 'x-sim-scenario': scenario } };
      const error = await failureOf(() => adapter().chat(hello, options));
      expect(error.code).toBe(code);
      expect(error.isRetryable).toBe(retryable);
      expect(error.provider).toBe(kind);
      expect((await failureOf(() => drain(adapter().stream(hello, options)))).code).toBe(code);
    });

    it('maps 429 with its Retry-After (model suffix scenario)', async () => {
      const error = await failureOf(() => adapter().chat({ ...hello, model: `${hello.model}~http-429?retry_after=2` }));
      expect(error.code).toBe('rate_limited');
      expect(error.retryAfterMs).toBe(2000);
    });

    it('reaches the simulator exactly once for an upstream 500 (no hidden retries)', async () => {
      const options = { headers: { 'x-sim-scenario': 'http-500' } };
      await failureOf(() => adapter().chat(hello, options));
      await failureOf(() => drain(adapter().stream(hello, options)));
      expect(contract.chatBodies()).toHaveLength(2);
    });

    it('the default instance is created on first use from process.env', async () => {
      const prefix = kind.toUpperCase();
      const url = baseURL();
      const response = await contract.withEnv({ [`${prefix}_API_KEY`]: 'test-key', [`${prefix}_BASE_URL`]: url }, () =>
        contract.defaultInstance.chat(hello),
      );
      expect(response.choices[0]!.message.content).toBe('Simulated answer to: hello');
      expect(contract.defaultInstance.id).toBe(kind);
      expect(contract.defaultInstance.baseURL).toBe(url);
    });
  });
}

/** What the contract takes from `@exai/provider-simulator/test` (handed over: a test-only dependency of the caller). */
export interface SimulatorTestHelpers<Sim extends { baseURL(dialect: string): string }> {
  useSimulator(): { readonly sim: Sim };
  chatRequestBodies(sim: Sim): Record<string, unknown>[];
  withEnv: ThinProviderContract['withEnv'];
}

/**
 * A thin provider's simulator test file in one call: the file's simulator, the contract run on the provider, and
 * the provider under test (created before the file's tests against the simulator, with a test key):
 * `const { simulator, chatBodies, provider: glm } = thinProviderUnderTest(simulatorHelpers, { ... })`, then `glm()`.
 */
export function thinProviderUnderTest<P extends ProviderAdapter, Sim extends { baseURL(dialect: string): string }>(
  helpers: SimulatorTestHelpers<Sim>,
  setup: Pick<ThinProviderContract, 'defaultInstance' | 'hello' | 'tokenLimitField'> & {
    create(settings: ProviderSettings<never>): P;
  },
): { readonly simulator: { readonly sim: Sim }; chatBodies(): Record<string, unknown>[]; provider(): P } {
  const simulator = helpers.useSimulator();
  const chatBodies = () => helpers.chatRequestBodies(simulator.sim);
  let provider: P | undefined;
  beforeAll(() => {
    provider = setup.create({
      apiKey: 'test-key',
      baseURL: simulator.sim.baseURL(setup.defaultInstance.kind),
      env: {},
    });
  });
  describeThinProviderContract({ ...setup, simulator, chatBodies, withEnv: helpers.withEnv });
  return {
    simulator,
    chatBodies,
    provider: () => {
      if (!provider) throw new Error('thinProviderUnderTest: the provider is created in beforeAll');
      return provider;
    },
  };
}

/** A function-tool round trip: `city` asked, the weather tool answering `weather`; checks the final answer. */
export async function weatherRoundTrip(adapter: ProviderAdapter, hello: ChatRequest, city: string, weather: string) {
  const request = { ...hello, messages: [{ role: 'user' as const, content: city }] };
  const result = await runToolLoop({ adapter, request, tools: [weatherTool(weather)] });
  expect(result.response.choices[0]!.message.content).toBe(`Tool results: ${weather} in ${city}`);
  return result;
}
