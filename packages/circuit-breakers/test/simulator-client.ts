import { type ErrorCode, GatewayError, parseRetryAfter } from '@exai/core';
import type { Simulator } from '@exai/provider-simulator';

/** Status → error code, the way a provider adapter maps it (just enough for these tests). */
function codeFor(status: number, body: string): ErrorCode {
  if (status === 400) return body.includes('context_length') ? 'context_length' : 'bad_request';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'overloaded';
  return 'server';
}

/** One chat completion against the simulator's OpenAI dialect with plain fetch; non-2xx → GatewayError. */
export async function chat(sim: Simulator, model: string, signal?: AbortSignal): Promise<string> {
  const response = await fetch(`${sim.baseURL('openai')}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    signal,
  });
  const body = await response.text();
  if (!response.ok) {
    throw new GatewayError(codeFor(response.status, body), {
      provider: 'openai',
      model,
      statusCode: response.status,
      responseBody: body,
      retryAfterMs: parseRetryAfter(response.headers),
    });
  }
  const completion = JSON.parse(body) as { choices: Array<{ message: { content: string } }> };
  return completion.choices[0]?.message.content ?? '';
}

/** Chat requests for `model` that reached the simulator. */
export async function chatAttempts(sim: Simulator, model: string) {
  return (await sim.attempts()).filter(
    (attempt) => attempt.path.endsWith('/chat/completions') && attempt.model === model,
  );
}
