import type { Attempt, Simulator } from '@exai/provider-simulator';

/** One chat completion against the simulator (`useSimulator()`) with plain fetch; resolves with the parsed body. */
export async function chat(
  { sim }: { readonly sim: Simulator },
  options: { signal: AbortSignal; scenario?: string; content?: string; model?: string },
): Promise<unknown> {
  const response = await fetch(`${sim.baseURL('openai')}/chat/completions`, {
    signal: options.signal,
    method: 'POST',
    headers: {
      authorization: 'Bearer x',
      'content-type': 'application/json',
      ...(options.scenario ? { 'x-sim-scenario': options.scenario } : {}),
    },
    body: JSON.stringify({
      model: options.model ?? 'gpt-4o-mini',
      messages: [{ role: 'user', content: options.content ?? 'hello' }],
    }),
  });
  if (!response.ok) throw new Error(`simulator answered ${response.status}`);
  return response.json();
}

/** Polls `read` until it returns something truthy, or gives up after `timeoutMs`. */
export async function waitFor<T>(read: () => T | undefined | false, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The most requests the simulator was serving at once, from the attempts log (arrival `time` plus
 * `durationMs`). `time` has millisecond resolution, so each interval is trimmed by `slackMs` at its
 * end: a back-to-back handover never counts as overlap, a real extra request (which overlaps by a
 * whole response time) still does.
 */
export function maxServerOverlap(attempts: readonly Attempt[], slackMs = 2): number {
  const events: Array<[number, number]> = [];
  for (const attempt of attempts) {
    const start = Date.parse(attempt.time);
    const end = start + (attempt.durationMs ?? Number.POSITIVE_INFINITY) - slackMs;
    events.push([start, 1], [Math.max(start, end), -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, change] of events) {
    current += change;
    max = Math.max(max, current);
  }
  return max;
}

export function userText(attempt: Attempt): string | undefined {
  const body = attempt.body as { messages?: Array<{ content?: unknown }> } | undefined;
  const content = body?.messages?.at(-1)?.content;
  return typeof content === 'string' ? content : undefined;
}
