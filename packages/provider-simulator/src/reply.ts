import invalidKeyIn200 from './__fixtures__/minimax/error-invalid-key.json' with { type: 'json' };
import type { ErrorKind } from './dialects/types.js';
import { errorKindForStatus } from './dialects/types.js';
import { destroyConnection, type Exchange } from './exchange.js';
import { drained, sendJson, waitWhileOpen } from './http-util.js';
import { numberParam, type Scenario } from './scenario.js';

/** What an endpoint answers when nothing goes wrong. */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  /** `cutAfter`: the events a partial scenario sends (a cut at a character, `chars=N`), instead of `after`. */
  | { kind: 'stream'; events: unknown[]; cutAfter?: number }
  | { kind: 'raw'; status: number; contentType: string; data: Buffer | string };

export const contentFilterMessage = 'Simulated content filter: unsafe content';
export const prefillRefusalMessage =
  'Simulated refusal: the last message must be a user message (no assistant prefill)';
const streamHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };
const done = 'data: [DONE]\n\n';

function sseEvent(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

export function errorReply(exchange: Exchange, status: number, kind?: ErrorKind, message?: string): Reply {
  return { kind: 'json', status, body: exchange.spec.error(kind ?? errorKindForStatus(status), message) };
}

/** The provider's refusal of the account's balance or quota, with the status that provider sends. */
export function billingReply(exchange: Exchange): Reply {
  return errorReply(exchange, exchange.spec.billingStatus, 'billing');
}

/** An invalid-key error inside an HTTP 200 (MiniMax's `base_resp` 2049 "invalid api key"). */
function keyInvalidIn200(exchange: Exchange): Reply {
  if (exchange.spec.name === 'minimax') return { kind: 'json', status: 200, body: invalidKeyIn200 };
  return errorReply(exchange, 200, 'auth');
}

function bodyOf(reply: Reply & { kind: 'json' | 'raw' }): { bytes: Buffer; headers: Record<string, string> } {
  if (reply.kind === 'json') {
    const bytes = Buffer.from(JSON.stringify(reply.body));
    return { bytes, headers: { 'content-type': 'application/json', ...reply.headers } };
  }
  const bytes = typeof reply.data === 'string' ? Buffer.from(reply.data) : reply.data;
  return { bytes, headers: { 'content-type': reply.contentType } };
}

const errorKinds: readonly ErrorKind[] = [
  'bad_request',
  'auth',
  'billing',
  'not_found',
  'rate_limit',
  'server',
  'bad_gateway',
  'unavailable',
  'context_length',
  'content_filter',
];
const errorKindOf = (kind: string): ErrorKind =>
  errorKinds.includes(kind as ErrorKind) ? (kind as ErrorKind) : 'server';

/** Sends a reply whole. */
export function send(exchange: Exchange, reply: Reply): void {
  const { response } = exchange;
  if (response.destroyed) return;
  if (reply.kind === 'json') {
    sendJson(response, reply.status, reply.body, reply.headers);
  } else if (reply.kind === 'raw') {
    const { bytes, headers } = bodyOf(reply);
    response.writeHead(reply.status, { ...headers, 'content-length': bytes.length });
    response.end(bytes);
  } else {
    if (!response.headersSent) response.writeHead(200, streamHeaders);
    response.end(reply.events.map(sseEvent).join('') + done);
  }
}

function retryHeaders(scenario: Scenario): Record<string, string> {
  const retryAfter = scenario.params.get('retry_after');
  if (retryAfter === 'none') return {};
  const headers: Record<string, string> = { 'retry-after': retryAfter ?? '1' };
  const retryAfterMs = scenario.params.get('retry_after_ms');
  if (retryAfterMs) headers['retry-after-ms'] = retryAfterMs;
  return headers;
}

/** Plays a partial answer: the first `after` events (or half the body), then `ending`. */
function playPartial(
  exchange: Exchange,
  reply: Reply,
  after: number,
  ending: 'cut' | 'stall' | 'malformed' | 'no-done' | ErrorKind,
) {
  const { response } = exchange;
  if (reply.kind === 'stream') {
    const sent = reply.cutAfter ?? after;
    const limit = Math.min(sent, ending === 'no-done' ? reply.events.length : reply.events.length - 1);
    if (!response.headersSent) {
      response.writeHead(200, streamHeaders);
      response.flushHeaders();
    }
    const text = reply.events.slice(0, Math.max(0, limit)).map(sseEvent).join('');
    if (ending === 'cut') response.write(text, () => destroyConnection(exchange));
    else if (ending === 'stall') response.write(text);
    else if (ending === 'malformed') response.end(`${text}data: {not json\n\n`);
    else if (ending === 'no-done') response.end(text);
    else {
      const message = ending === 'content_filter' ? contentFilterMessage : undefined;
      response.end(text + sseEvent(exchange.spec.error(ending, message)));
    }
    return;
  }
  if (reply.status !== 200 || ending === 'no-done') return send(exchange, reply);
  // `stream-error` without a stream: the error as a status (a filter is a 400, the rest a 500).
  if (ending !== 'cut' && ending !== 'stall' && ending !== 'malformed') {
    const message = ending === 'content_filter' ? contentFilterMessage : undefined;
    return send(exchange, errorReply(exchange, ending === 'content_filter' ? 400 : 500, ending, message));
  }
  const { bytes, headers } = bodyOf(reply);
  if (ending === 'malformed') {
    response.writeHead(200, { ...headers, 'content-length': 9 });
    response.end('{not json');
    return;
  }
  if (!response.headersSent) {
    response.writeHead(200, { ...headers, 'content-length': bytes.length });
    response.flushHeaders();
  }
  const half = bytes.subarray(0, Math.floor(bytes.length / 2));
  if (ending === 'cut') response.write(half, () => destroyConnection(exchange));
  else response.write(half);
}

/** Writes a stream one event at a time, waiting for `drain`: `eventsWritten` shows how far the client has read. */
async function playPaced(exchange: Exchange, reply: Reply): Promise<void> {
  const { response, attempt } = exchange;
  if (reply.kind !== 'stream') return send(exchange, reply);
  response.writeHead(200, streamHeaders);
  attempt.eventsWritten = 0;
  for (const event of reply.events) {
    if (response.destroyed) return;
    attempt.eventsWritten += 1;
    if (!response.write(sseEvent(event))) await drained(response);
  }
  if (!response.destroyed) response.end(done);
}

/**
 * Answers `exchange` as `scenario` says. `produce` builds the normal answer; it is only called
 * when the scenario needs it. `counterKey` scopes the `-once` and `fail-times` counters.
 */
export async function play(exchange: Exchange, scenario: Scenario, counterKey: string, produce: () => Reply) {
  const { response } = exchange;
  switch (scenario.name) {
    case 'ok':
      return send(exchange, produce());
    case 'latency': {
      const min = numberParam(scenario, 'min', Number.NaN);
      const max = numberParam(scenario, 'max', Number.NaN);
      const ms =
        Number.isNaN(min) || Number.isNaN(max) ? numberParam(scenario, 'ms', 100) : min + Math.random() * (max - min);
      if (await waitWhileOpen(response, ms)) send(exchange, produce());
      return;
    }
    case 'http-400':
    case 'http-401':
    case 'http-404':
    case 'http-500':
    case 'http-502':
    case 'http-503':
      return send(exchange, errorReply(exchange, Number(scenario.name.slice(5))));
    case 'http-429': {
      const reply = errorReply(exchange, 429);
      return send(exchange, { ...reply, headers: retryHeaders(scenario) } as Reply);
    }
    case 'http-500-once':
      return send(exchange, exchange.state.count(counterKey) === 0 ? errorReply(exchange, 500) : produce());
    case 'fail-times': {
      const times = numberParam(scenario, 'n', 1);
      const status = numberParam(scenario, 'status', 503);
      if (exchange.state.count(counterKey) >= times) return send(exchange, produce());
      const reply = errorReply(exchange, status);
      return send(exchange, status === 429 ? ({ ...reply, headers: retryHeaders(scenario) } as Reply) : reply);
    }
    case 'reset-before-headers':
      return destroyConnection(exchange);
    case 'no-response':
      return;
    case 'slow-first-token': {
      const reply = produce();
      if (reply.kind === 'stream') response.writeHead(200, streamHeaders);
      else response.writeHead(reply.status, bodyOf(reply).headers);
      response.flushHeaders();
      if (await waitWhileOpen(response, numberParam(scenario, 'ms', 5000))) {
        if (reply.kind === 'stream') send(exchange, reply);
        else response.end(bodyOf(reply).bytes);
      }
      return;
    }
    case 'stream-cut':
      return playPartial(exchange, produce(), numberParam(scenario, 'after', 3), 'cut');
    case 'stream-stall':
      return playPartial(exchange, produce(), numberParam(scenario, 'after', 3), 'stall');
    case 'malformed-chunk':
      return playPartial(exchange, produce(), numberParam(scenario, 'after', 3), 'malformed');
    case 'stream-error': {
      return playPartial(
        exchange,
        produce(),
        numberParam(scenario, 'after', 3),
        errorKindOf(scenario.params.get('kind') ?? 'server'),
      );
    }
    case 'missing-done':
      return playPartial(exchange, produce(), numberParam(scenario, 'after', Number.POSITIVE_INFINITY), 'no-done');
    case 'long-stream':
      return playPaced(exchange, produce());
    case 'context-length':
      return send(exchange, errorReply(exchange, 400, 'context_length'));
    case 'refuse-prefill': {
      const messages = (exchange.attempt.body as { messages?: unknown } | undefined)?.messages;
      const last = Array.isArray(messages) ? (messages.at(-1) as { role?: unknown } | undefined) : undefined;
      if (last?.role === 'assistant')
        return send(exchange, errorReply(exchange, 400, 'bad_request', prefillRefusalMessage));
      return send(exchange, produce());
    }
    case 'content-filter':
      return send(exchange, errorReply(exchange, 400, 'content_filter', contentFilterMessage));
    case 'key-invalid':
      return send(exchange, errorReply(exchange, 401, 'auth'));
    case 'key-invalid-200':
      return send(exchange, keyInvalidIn200(exchange));
    case 'billing':
      return send(exchange, billingReply(exchange));
    default:
      return send(exchange, errorReply(exchange, 400, 'bad_request', `Unknown simulator scenario: ${scenario.text}`));
  }
}
