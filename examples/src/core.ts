import assert from 'node:assert/strict';
//#region basic
import { GatewayError, RateLimitedError, createLogger, loadConfig, toOpenAIError } from '@exai/core';
//#endregion basic
import type { OpenAIErrorBody } from '@exai/core';

/** `@exai/core`: configuration, logger and typed errors (nothing here touches the network). */
export async function main(): Promise<void> {
  const replies: Array<{ status: number; body: OpenAIErrorBody }> = [];
  const reply = (status: number, body: OpenAIErrorBody) => replies.push({ status, body });

  //#region basic
  const config = loadConfig(); // EXAI_CONFIG file (JSON or YAML) + environment variables
  const logger = createLogger({ level: config.logLevel }); // stderr, secrets redacted

  try {
    throw new RateLimitedError({ provider: 'glm', model: 'glm-4.6', retryAfterMs: 2000 });
  } catch (error) {
    if (GatewayError.isInstance(error) && error.isRetryable) logger.debug({ code: error.code }, 'retrying later');
    const { status, body } = toOpenAIError(error); // 429 + {"error": {"message","type","code","param"}}
    reply(status, body);
  }
  //#endregion basic

  assert.deepEqual(
    replies.map(({ status, body }) => [status, body.error.type]),
    [[429, 'rate_limit_error']],
  );
}
