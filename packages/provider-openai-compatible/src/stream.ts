import { type ChatChunk, GatewayError, type ModelInfo } from '@exai/core';
import { createParser } from 'eventsource-parser';
import { type MappingContext, mapUpstreamFailure, redact, toProviderError } from './error-mapping.js';
import { normalizeChunk } from './normalize.js';
import { parseChunk } from './schemas.js';
import type { ChunkTransformer } from './types.js';

export interface StreamOptions {
  response: { body: AsyncIterable<Uint8Array> | null; headers: Headers; discard?: () => void };
  /** Aborting it tears down the HTTP connection. */
  controller: AbortController;
  mapping: MappingContext;
  model: ModelInfo;
  transformer?: ChunkTransformer | undefined;
}

function interrupted(mapping: MappingContext, message: string, cause?: unknown): GatewayError {
  return new GatewayError('stream_interrupted', {
    provider: mapping.provider,
    model: mapping.model,
    message: redact(`${mapping.provider}: ${message}`, mapping.apiKey),
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * True when the body ends before the next turn of the event loop (its end already arrived); a body
 * still open then is torn down as before by the caller. Anything after `[DONE]` is ignored.
 */
async function endsNow(reader: AsyncIterator<Uint8Array>): Promise<boolean> {
  let turn: NodeJS.Immediate | undefined;
  const late = new Promise<false>((resolve) => {
    turn = setImmediate(() => resolve(false));
  });
  const next = reader.next().then(
    (result) => result.done === true,
    () => false,
  );
  const ended = await Promise.race([next, late]);
  clearImmediate(turn);
  return ended;
}

/**
 * Reads an SSE chat-completion body into normalized chunks (each `data:` parsed once, `parseChunk`). Ends
 * cleanly on `[DONE]`, or at end of body when a `finish_reason` was seen; a malformed chunk, a cut connection,
 * or an end of body with no `finish_reason` throws `stream_interrupted`. Leaving early (break, throw, abort) aborts
 * the request, which closes the connection.
 */
export async function* readChatStream(options: StreamOptions): AsyncGenerator<ChatChunk> {
  const { response, controller, mapping, model, transformer } = options;
  if (!response.body) throw interrupted(mapping, 'the response had no body');
  const pending: string[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event.data) });
  const decoder = new TextDecoder();
  const reader = response.body[Symbol.asyncIterator]();
  let sawDone = false;
  let sawFinish = false;
  let completed = false;
  let ended = false;

  const toChunks = (data: string): ChatChunk[] => {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch (error) {
      throw interrupted(mapping, `malformed stream chunk: ${data.slice(0, 120)}`, error);
    }
    // Parsed once: the normalizer and the provider's transformer both read the parsed chunk.
    const record = parseChunk(raw);
    if (!record) throw interrupted(mapping, `malformed stream chunk: ${data.slice(0, 120)}`);
    if (record.error !== undefined && record.error !== null && !record.choices) {
      throw mapUpstreamFailure(0, raw, response.headers, mapping);
    }
    const chunk = normalizeChunk(record, mapping.provider, model.id);
    if (chunk.choices.some((choice) => choice.finish_reason)) sawFinish = true;
    return transformer ? transformer(record, chunk) : [chunk];
  };

  try {
    reading: while (true) {
      let result: IteratorResult<Uint8Array>;
      try {
        result = await reader.next();
      } catch (error) {
        throw toProviderError(error, mapping, true);
      }
      if (result.done) {
        const rest = decoder.decode();
        if (rest) parser.feed(rest);
        parser.reset({ consume: true });
      } else {
        parser.feed(decoder.decode(result.value, { stream: true }));
      }
      while (pending.length > 0) {
        const data = pending.shift()!;
        const trimmed = data.trim();
        if (trimmed === '[DONE]') {
          sawDone = true;
          break reading;
        }
        if (trimmed === '') continue;
        for (const chunk of toChunks(data)) yield chunk;
      }
      if (result.done) break;
    }
    if (mapping.signal?.aborted) throw toProviderError(mapping.signal.reason, mapping, true);
    if (!sawDone && !sawFinish) throw interrupted(mapping, 'the stream ended before a finish_reason');
    for (const chunk of transformer?.flush?.() ?? []) yield chunk;
    completed = true;
    // The body ends right after `[DONE]`: reading that end, instead of returning the reader early,
    // spares the abort error a body torn down before its end is built with (one per stream).
    if (sawDone) ended = await endsNow(reader);
  } finally {
    if (!ended) {
      if (!completed) controller.abort();
      // After a `[DONE]` whose body stayed open a read is pending, which `return` alone would wait for.
      if (!completed || sawDone) response.discard?.();
      reader.return?.().catch(() => {});
    }
  }
}
