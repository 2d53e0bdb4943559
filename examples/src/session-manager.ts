import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createKimi } from '@exai/provider-kimi';
//#region basic
import { createSessionManager } from '@exai/session-manager';
//#endregion basic
import { exampleBasics, hello } from './support/basics.js';

/** `@exai/session-manager`: concurrency limits, timeouts and cancellation around provider calls. */
export async function main(): Promise<void> {
  const { simulator, config, logger } = await exampleBasics();
  const adapter = createKimi({ apiKey: 'sim-key', baseURL: simulator.baseURL('kimi') });
  const request = hello('kimi-k2.5');
  const requestId = randomUUID();
  const threadId = 'thread-1';
  const httpRequestSignal = new AbortController().signal; // aborted when the client hangs up
  try {
    //#region basic
    const sessions = createSessionManager({ ...config.concurrency, defaultTimeoutMs: config.timeouts.requestMs });
    sessions.on('session', (record) => logger.debug(record, 'session'));

    const answer = await sessions.run(({ signal }) => adapter.chat(request, { signal }), {
      requestId,
      provider: 'kimi',
      model: 'kimi-k2.5',
      conversationId: threadId,
      signal: httpRequestSignal,
    });
    // or: const result = await sessions.runSettled(fn, options); if (!result.ok) reply(result.error.toJSON());

    const onTerm = async () => process.exit((await sessions.drain(30_000)) ? 0 : 1);
    process.once('SIGTERM', onTerm);
    //#endregion basic
    assert.ok(answer.choices[0]?.message.content);
    assert.equal(sessions.get(requestId)?.status, 'completed');
    assert.equal(await sessions.drain(1_000), true);
    process.off('SIGTERM', onTerm);
  } finally {
    await simulator.close();
  }
}
