import assert from 'node:assert/strict';
import { loadConfig } from '@exai/core';
import { readSettings, startServer } from '@exai/http-server';
import { startSimulator } from '@exai/provider-simulator';
import { simulatedGatewayEnv } from './support/gateway-env.js';
//#region anthropic
import Anthropic from '@anthropic-ai/sdk';
//#endregion anthropic
//#region agents
import { Agent, OpenAIProvider, Runner, setTracingDisabled } from '@openai/agents';
//#endregion agents
//#region client
import OpenAI from 'openai';
//#endregion client

/** `exai-http` started in-process on loopback over the simulator, called with the OpenAI SDK. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  const gateway = simulatedGatewayEnv(simulator, 'http'); // stands for process.env
  const env = { ...gateway.env, EXAI_API_KEYS: 'sk-example' };
  const { settings, errors } = readSettings(env);
  if (errors.length > 0) throw new Error(errors.join('; '));
  const server = await startServer({ config: loadConfig({ env }), settings, host: '127.0.0.1', port: 0 });
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Stream please' }];
  const previousKey = process.env.EXAI_KEY;
  process.env.EXAI_KEY = 'sk-example'; // the key a client was given (EXAI_API_KEYS above)
  try {
    //#region client
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: process.env.EXAI_KEY }); // http://127.0.0.1:8080/v1
    const answer = await client.chat.completions.create({ model: 'kimi', messages: [{ role: 'user', content: 'Hi' }] });
    console.log(answer.model, answer.choices[0]?.message.content); // the model that actually answered
    const stream = await client.chat.completions.create({
      model: 'glm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      process.stdout.write(chunk.choices[0]?.delta.content ?? '');
    }
    //#endregion client
    assert.match(answer.model, /^kimi/);

    //#region responses
    const response = await client.responses.create({ model: 'kimi-k2-0905-preview', input: 'Hello' });
    console.log(response.output_text);
    //#endregion responses
    assert.match(response.output_text, /Simulated answer/);

    //#region agents
    setTracingDisabled(true); // traces would go to OpenAI's platform, not to the gateway
    const modelProvider = new OpenAIProvider({ baseURL: `${server.url}/v1`, apiKey: process.env.EXAI_KEY });
    const agent = new Agent({ name: 'helper', instructions: 'Answer briefly.', model: 'glm-4.6' });
    const result = await new Runner({ modelProvider }).run(agent, 'Say hello');
    console.log(result.finalOutput);
    //#endregion agents
    assert.match(String(result.finalOutput), /Say hello/);

    //#region anthropic
    const anthropic = new Anthropic({ baseURL: server.url, apiKey: process.env.EXAI_KEY }); // http://127.0.0.1:8080
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const streamed = await anthropic.messages
      .stream({ model: 'kimi', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] })
      .finalMessage();
    //#endregion anthropic
    assert.equal(message.role, 'assistant');
    assert.equal(streamed.stop_reason, 'end_turn');
  } finally {
    if (previousKey === undefined) delete process.env.EXAI_KEY;
    else process.env.EXAI_KEY = previousKey;
    await server.close(1_000);
    await simulator.close();
    gateway.cleanup();
  }
}
