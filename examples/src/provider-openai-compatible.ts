import assert from 'node:assert/strict';
import type { ChatMessage } from '@exai/core';
import { createBreakerRegistry } from '@exai/circuit-breakers';
//#region basic
import { createModelCatalog, createOpenAICompatibleProvider, runToolLoop } from '@exai/provider-openai-compatible';
//#endregion basic
import {
  type ErrorFieldsData,
  errorFieldsOf,
  errorFieldsSchema,
  type ProviderErrorStructure,
} from '@exai/provider-openai-compatible';
import { GatewayError } from '@exai/core';
import { startSimulator } from '@exai/provider-simulator';
import { createSessionManager } from '@exai/session-manager';

/** `@exai/provider-openai-compatible`: any Chat Completions endpoint as a `ProviderAdapter`, and the tool loop. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  const signal = AbortSignal.timeout(10_000);
  const messages: ChatMessage[] = [{ role: 'user', content: 'Stream please' }];
  const env = { ACME_API_KEY: 'sim-key' }; // stands for process.env
  const fetchWeather = async (city: string, signal: AbortSignal) => ({ city, celsius: 21, aborted: signal.aborted });
  const sessions = createSessionManager();
  const breaker = createBreakerRegistry().get('acme/acme-large');
  try {
    //#region basic
    const acme = createOpenAICompatibleProvider({
      id: 'acme',
      baseURL: simulator.baseURL('openai'), // https://api.acme.example/v1 in production
      apiKey: env.ACME_API_KEY,
      catalog: createModelCatalog([{ id: 'acme-large', contextWindow: 200_000, aliases: ['acme'] }]),
      transformRequest: (body) => ({ ...body, temperature: Math.min(Number(body.temperature ?? 1), 1) }),
    });

    const reply = await acme.chat({ model: 'acme', messages: [{ role: 'user', content: 'Hi' }] }, { signal });
    for await (const chunk of acme.stream({ model: 'acme', messages }))
      process.stdout.write(chunk.choices[0]?.delta.content ?? '');
    //#endregion basic
    assert.equal(reply.model, 'acme-large');

    const adapter = acme;
    //#region tool-loop
    const {
      response,
      messages: history,
      steps,
    } = await runToolLoop({
      adapter,
      request: { model: 'acme', messages: [{ role: 'user', content: 'Weather in Paris?' }] },
      tools: [
        {
          name: 'weather',
          description: 'Current weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          handler: async ({ city }, { signal }) => fetchWeather(String(city), signal),
        },
      ],
      execute: (_step, call) => sessions.run(({ signal }) => breaker.execute(() => call(signal))),
    });
    //#endregion tool-loop
    assert.equal(steps, 2);
    assert.equal(history.at(-2)?.role, 'tool');
    assert.match(String(response.choices[0]?.message.content), /Tool results/);

    //#region error-structure
    const structure: ProviderErrorStructure<ErrorFieldsData> = {
      name: 'Acme',
      errorSchema: errorFieldsSchema,
      errorToMessage: (data) => errorFieldsOf(data).message,
      classify: (data) =>
        errorFieldsOf(data).type === 'insufficient_quota' ? { code: 'upstream_billing' } : undefined,
    };
    //#endregion error-structure
    const withStructure = createOpenAICompatibleProvider({
      id: 'acme',
      baseURL: simulator.baseURL('openai'),
      apiKey: env.ACME_API_KEY,
      errorStructure: structure,
    });
    const refused = await withStructure
      .chat({ model: 'acme-large~billing', messages }, { signal })
      .catch((error: unknown) => error);
    assert.ok(GatewayError.isInstance(refused) && refused.code === 'upstream_billing');
  } finally {
    await simulator.close();
  }
}
