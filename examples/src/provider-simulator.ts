import assert from 'node:assert/strict';
import OpenAI from 'openai';
//#region basic
import { startSimulator } from '@exai/provider-simulator';
//#endregion basic

/** `@exai/provider-simulator`: scripted faults and the attempts log, driven by the OpenAI SDK. */
export async function main(): Promise<void> {
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];
  //#region basic
  const sim = await startSimulator({ port: 0 }); // 127.0.0.1, random port
  const client = new OpenAI({ baseURL: sim.baseURL('kimi'), apiKey: 'any', maxRetries: 0 });
  sim.script('kimi-k2-0905-preview', 'fail-times?n=2&status=503');
  await client.chat.completions
    .create({ model: 'kimi-k2-0905-preview', messages: [{ role: 'user', content: 'hi' }] })
    .catch(() => {}); // 503 in Kimi's error shape
  await client.chat.completions
    .create({ model: 'kimi-k2-0905-preview~http-429?retry_after=2', messages })
    .catch(() => {});
  const rows = sim.log.map((row) => [row.status, row.scenario]); // every request, in order
  sim.reset();
  await sim.close();
  //#endregion basic
  assert.deepEqual(
    rows.map(([status]) => status),
    [503, 429],
  );
}
