import { randomUUID } from 'node:crypto';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface Stored {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
}

/**
 * The SSE events of one HTTP session, so a client whose stream closed (a network blip, or the
 * server ending a POST stream mid-call to switch the client to polling) resumes with
 * `Last-Event-ID` and gets what it missed. Bounded: the oldest events go first. Event ids are
 * `<streamId>_<random>`, so the stream of an id is known without a lookup table.
 */
export class SessionEventStore implements EventStore {
  readonly #events: Stored[] = [];
  readonly #max: number;

  constructor(maxEvents = 1_000) {
    this.#max = maxEvents;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${randomUUID()}`;
    this.#events.push({ id, streamId, message });
    if (this.#events.length > this.#max) this.#events.shift();
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.#events.find((event) => event.id === eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const index = this.#events.findIndex((event) => event.id === lastEventId);
    if (index < 0) return '';
    const streamId = this.#events[index]!.streamId;
    for (const event of this.#events.slice(index + 1)) {
      // The priming event (an empty message) carries no data to replay.
      if (event.streamId === streamId && Object.keys(event.message).length > 0) await send(event.id, event.message);
    }
    return streamId;
  }
}
