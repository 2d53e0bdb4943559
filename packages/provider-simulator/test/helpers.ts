import type { Dialect, Simulator } from '../src/index.js';

export const auth = { authorization: 'Bearer test-key', 'content-type': 'application/json' };

export function chat(
  sim: Simulator,
  dialect: Dialect,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${sim.baseURL(dialect)}/chat/completions`, {
    method: 'POST',
    headers: { ...auth, ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

export function ask(model: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: text }], ...extra };
}

/** Splits an SSE body into parsed events; `done` tells whether `data: [DONE]` ended it. */
export function parseSse(text: string): { events: Record<string, unknown>[]; done: boolean; malformed: string[] } {
  const events: Record<string, unknown>[] = [];
  const malformed: string[] = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    const line = block.trim();
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6);
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    try {
      events.push(JSON.parse(data) as Record<string, unknown>);
    } catch {
      malformed.push(data);
    }
  }
  return { events, done, malformed };
}

// biome-ignore lint/suspicious/noExplicitAny: test helper reading loosely typed JSON
export type Loose = any;

export function deltas(events: Record<string, unknown>[]): Loose[] {
  return events.flatMap((event) => ((event as Loose).choices ?? []).map((choice: Loose) => choice.delta ?? {}));
}

export function joined(events: Record<string, unknown>[], field: string): string {
  return deltas(events)
    .map((delta) => (typeof delta[field] === 'string' ? delta[field] : ''))
    .join('');
}

/** Reads a streamed body until the connection ends or fails; returns the text and whether it failed. */
export async function readAll(response: Response): Promise<{ text: string; failed: boolean }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text, failed: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, failed: true };
  }
}
