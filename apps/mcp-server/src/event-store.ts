import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog } from '@exai/store';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** The SSE `retry` sent to clients: how soon to reconnect after a stream closes. */
export const RETRY_MS = 1_000;

/** `<namespace>:<streamId>:<entry id>`: the namespace is one transport's (a session's), random. */
const EVENT_ID = /^([0-9a-f-]{36}):([\w-]{1,64}):([\d-]{1,40})$/;

interface ParsedId {
  namespace: string;
  streamId: string;
  entry: string;
}

function parse(eventId: string): ParsedId | undefined {
  const match = EVENT_ID.exec(eventId);
  return match ? { namespace: match[1]!, streamId: match[2]!, entry: match[3]! } : undefined;
}

/** The tenant is part of every log's name: an event id of another tenant names a log that is not there. */
const logName = (owner: string, id: Pick<ParsedId, 'namespace' | 'streamId'>) =>
  `mcp/${owner}/${id.namespace}/${id.streamId}`;

const eventIdOf = (id: Pick<ParsedId, 'namespace' | 'streamId'>, entry: string) =>
  `${id.namespace}:${id.streamId}:${entry}`;

/** The events of one stream after `lastEventId`, for `owner`; undefined when the id is unknown to that tenant. */
async function eventsAfter(
  log: EventLog,
  owner: string,
  lastEventId: string,
): Promise<{ streamId: string; events: Array<{ id: string; message: JSONRPCMessage }> } | undefined> {
  const parsed = parse(lastEventId);
  if (!parsed) return undefined;
  const entries = await log.after(logName(owner, parsed), parsed.entry);
  if (!entries) return undefined;
  const events = entries
    .map((entry) => ({ id: eventIdOf(parsed, entry.id), message: JSON.parse(entry.data) as JSONRPCMessage }))
    // The priming event (an empty message) carries no data to replay.
    .filter((event) => Object.keys(event.message).length > 0);
  return { streamId: parsed.streamId, events };
}

/**
 * The SSE events of one HTTP session (the SDK's `EventStore`), so a client whose stream closed (a
 * network blip, the server ending a POST stream mid-call to switch the client to polling, or the
 * instance going away) resumes with `Last-Event-ID` and gets what it missed. The events live in an
 * `EventLog` of @exai/store: this process's memory, or Redis (`REDIS_URL`), where any instance
 * replays them. Bounded by the log's cap and TTL; a tenant replays only its own events.
 */
export class SharedEventStore implements EventStore {
  readonly #log: EventLog;
  readonly #owner: string;
  readonly #namespace: string;

  constructor(log: EventLog, owner: string, namespace: string = randomUUID()) {
    this.#log = log;
    this.#owner = owner;
    this.#namespace = namespace;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = { namespace: this.#namespace, streamId };
    return eventIdOf(id, await this.#log.append(logName(this.#owner, id), JSON.stringify(message)));
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    const parsed = parse(eventId);
    if (!parsed) return undefined;
    return (await this.#log.has(logName(this.#owner, parsed), parsed.entry)) ? parsed.streamId : undefined;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const found = await eventsAfter(this.#log, this.#owner, lastEventId);
    if (!found) return '';
    for (const event of found.events) await send(event.id, event.message);
    return found.streamId;
  }
}

/**
 * A `GET` with `Last-Event-ID` for a session this instance does not hold (another instance opened
 * it, and may be gone): when the shared log knows the event for this tenant, the events after it
 * are sent as one SSE response that then ends; the client reconnects with the last id it got (a
 * response still to come arrives on a later poll). False, with nothing sent, otherwise.
 */
export async function replayElsewhere(
  log: EventLog,
  owner: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  const lastEventId = request.headers['last-event-id'];
  if (request.method !== 'GET' || typeof lastEventId !== 'string') return false;
  if (!request.headers.accept?.includes('text/event-stream')) return false;
  const found = await eventsAfter(log, owner, lastEventId);
  if (!found) return false;
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${RETRY_MS}\n\n`);
  for (const event of found.events) {
    response.write(`event: message\nid: ${event.id}\ndata: ${JSON.stringify(event.message)}\n\n`);
  }
  response.end();
  return true;
}
