import { type ChatChunk, GatewayError, type ModelInfo } from '@exai/core';
import { createParser } from 'eventsource-parser';
import { type MappingContext, mapUpstreamFailure, redact, toProviderError } from './error-mapping.js';
import { normalizeChunk } from './normalize.js';
import { chunkSchema } from './schemas.js';
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
 * Reads an SSE chat-completion body into normalized chunks (each `data:` parsed once with `chunkSchema`). Ends cleanly
 * on `[DONE]`, or at end of body when a `finish_reason` was seen; a malformed chunk, a cut connection, or an end of
 * body with no `finish_reason` throws `stream_interrupted`. Leaving early (break, throw, abort) aborts the request,
 * which closes the connection.
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

  const toChunks = (data: string): ChatChunk[] => {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch (error) {
      throw interrupted(mapping, `malformed stream chunk: ${data.slice(0, 120)}`, error);
    }
    // Parsed once: the normalizer and the provider's transformer both read the parsed chunk.
    const parsed =
      typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? chunkSchema.safeParse(raw) : undefined;
    if (!parsed?.success) throw interrupted(mapping, `malformed stream chunk: ${data.slice(0, 120)}`);
    const record = parsed.data;
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
        if (data.trim() === '[DONE]') {
          sawDone = true;
          break reading;
        }
        if (data.trim() === '') continue;
        for (const chunk of toChunks(data)) yield chunk;
      }
      if (result.done) break;
    }
    if (mapping.signal?.aborted) throw toProviderError(mapping.signal.reason, mapping, true);
    if (!sawDone && !sawFinish) throw interrupted(mapping, 'the stream ended before a finish_reason');
    for (const chunk of transformer?.flush?.() ?? []) yield chunk;
    completed = true;
  } finally {
    if (!completed) controller.abort();
    reader.return?.().catch(() => {});
    if (!completed) response.discard?.();
  }
}
