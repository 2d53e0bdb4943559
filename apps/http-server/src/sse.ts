import type { ServerResponse } from 'node:http';
import type { ChatChunk } from '@exai/core';
import type { EngineMeta, EngineStream } from '@exai/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describeMeta } from './request-info.js';

/**
 * Writes to an event stream honouring backpressure: when the socket's buffer is full it waits for
 * `drain`, so a client that reads slowly slows the writer instead of growing the buffer. Resolves
 * false, at once, when the connection is closed (the write is dropped).
 */
export function writeEvent(raw: ServerResponse, text: string): Promise<boolean> {
  if (raw.destroyed || raw.writableEnded) return Promise.resolve(false);
  if (raw.write(text)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (open: boolean) => () => {
      raw.off('drain', onDrain);
      raw.off('close', onClose);
      resolve(open);
    };
    const onDrain = settle(true);
    const onClose = settle(false);
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}

/** The engine meta as response headers (every route that answers from the engine sends them). */
export function metaHeaders(meta: EngineMeta): Record<string, string> {
  return {
    'x-request-id': meta.requestId,
    'x-exai-provider': meta.provider,
    'x-exai-model': meta.model,
    ...(meta.simulated ? { 'x-exai-simulated': 'true' } : {}),
    ...(meta.continuationId ? { 'x-exai-continuation-id': meta.continuationId } : {}),
    ...(meta.cache ? { 'x-exai-cache': meta.cache } : {}),
    // Known once the call ended: on JSON answers of every format (Anthropic's and Responses' included).
    ...(meta.cost
      ? { 'x-exai-cost': `${meta.cost.amount} ${meta.cost.currency}${meta.cost.estimated ? ' estimated' : ''}` }
      : {}),
  };
}

export interface OpenedEventStream {
  first: IteratorResult<ChatChunk>;
  iterator: AsyncIterator<ChatChunk>;
  raw: ServerResponse;
}

/**
 * Starts answering an engine stream as `text/event-stream`. The engine holds a stream until its first
 * content and fails over before it, so a failure up to the first chunk is thrown here and is still an
 * ordinary JSON error with its status (in the route's own shape); after it the reply is hijacked and
 * the headers (the engine meta, plus `headers(meta)`) are sent.
 */
export async function openEventStream(
  stream: EngineStream,
  request: FastifyRequest,
  reply: FastifyReply,
  headers?: (meta: EngineMeta) => Record<string, string>,
): Promise<OpenedEventStream> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  describeMeta(request, stream.meta);
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // No `connection` header: Node says `close` on a connection's last allowed request (EXAI_MAX_REQUESTS_PER_SOCKET)
    // and while draining; a `keep-alive` here would hide that, and the client's next request would get a bare 503.
    'x-accel-buffering': 'no',
    ...headers?.(stream.meta),
    ...metaHeaders(stream.meta),
  });
  return { first, iterator, raw };
}
