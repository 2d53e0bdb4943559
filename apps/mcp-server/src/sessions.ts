import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog } from '@exai/store';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { RETRY_MS, SharedEventStore } from './event-store.js';

export interface SessionLimits {
  /** A session with no request in flight (an open GET stream counts) is closed after this long. */
  idleMs: number;
  /** Open sessions, counting initializes in progress. */
  maxSessions: number;
  /** Where the sessions' SSE events are kept for `Last-Event-ID` (memory, or Redis shared by instances). */
  events: EventLog;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  /** The tenant that opened the session: only it may use the session id. */
  owner: string;
  /** Requests of this session whose response has not closed yet. */
  active: number;
  idleSince: number;
  timer: NodeJS.Timeout | undefined;
  closed: boolean;
}

/** Longest `Retry-After` a full table suggests. */
const MAX_RETRY_AFTER_S = 60;

/**
 * The Streamable HTTP sessions of one server, each with its own transport and `McpServer`.
 * Only an initialize that succeeds keeps anything; an idle session closes itself; a closed
 * session leaves the table and closes its server (which drops the server's listeners).
 */
export class SessionTable {
  readonly #sessions = new Map<string, Session>();
  readonly #limits: SessionLimits;
  #opening = 0;

  constructor(limits: SessionLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** True when another initialize would go beyond `maxSessions`. */
  isFull(): boolean {
    return this.#sessions.size + this.#opening >= this.#limits.maxSessions;
  }

  /** Seconds until the first idle session expires (at least 1, at most 60). */
  retryAfterSeconds(): number {
    const now = Date.now();
    let soonest = this.#limits.idleMs;
    for (const session of this.#sessions.values()) {
      if (session.active === 0) soonest = Math.min(soonest, session.idleSince + this.#limits.idleMs - now);
    }
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(soonest / 1000)));
  }

  /**
   * Runs a request on an open session; false (and nothing sent) when the id is unknown, expired or
   * another tenant's (answered exactly as an unknown id).
   */
  async handle(
    id: string,
    owner: string,
    request: IncomingMessage,
    response: ServerResponse,
    body: unknown,
  ): Promise<boolean> {
    const session = this.#sessions.get(id);
    if (!session || session.owner !== owner) return false;
    this.#begin(session, response);
    await session.transport.handleRequest(request, response, body);
    return true;
  }

  /**
   * Answers an initialize on a new transport; the server is built only once the transport has
   * accepted the initialize (a refused one costs a transport and nothing else), and both are
   * kept only if a session came of it.
   */
  async open(
    createServer: () => McpServer,
    owner: string,
    request: IncomingMessage,
    response: ServerResponse,
    body: unknown,
  ): Promise<void> {
    this.#opening += 1;
    let opening = true;
    const settle = () => {
      if (opening) this.#opening -= 1;
      opening = false;
    };
    let server: McpServer | undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // Resumable streams: a priming event id on each SSE stream, `retry` for the reconnect delay,
      // and the events a closed stream missed replayed on `Last-Event-ID`.
      eventStore: new SharedEventStore(this.#limits.events, owner),
      retryInterval: RETRY_MS,
      // The transport awaits this before it hands the initialize to `onmessage`. Registered before
      // the answer goes out: the client's next request may arrive before `open` returns.
      onsessioninitialized: async (id) => {
        settle();
        this.#sessions.set(id, session);
        server = createServer();
        await server.connect(transport);
      },
    });
    const session: Session = { transport, owner, active: 0, idleSince: Date.now(), timer: undefined, closed: false };
    transport.onclose = () => {
      session.closed = true;
      clearTimeout(session.timer);
      const id = transport.sessionId;
      if (id !== undefined && this.#sessions.get(id) === session) this.#sessions.delete(id);
      server?.close().catch(() => undefined);
    };
    try {
      this.#begin(session, response);
      await transport.handleRequest(request, response, body);
    } catch (error) {
      await transport.close().catch(() => undefined);
      throw error;
    } finally {
      settle();
    }
    // Refused before a session existed (wrong Accept, a batch, a closed transport) or an initialize
    // the server answered with an error: nothing may stay behind.
    if (transport.sessionId === undefined || server?.server.getClientVersion() === undefined) await transport.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((session) => session.transport.close().catch(() => undefined)));
    this.#sessions.clear();
  }

  #begin(session: Session, response: ServerResponse): void {
    session.active += 1;
    clearTimeout(session.timer);
    session.timer = undefined;
    response.once('close', () => {
      session.active -= 1;
      if (session.active === 0 && !session.closed) this.#arm(session);
    });
  }

  #arm(session: Session): void {
    session.idleSince = Date.now();
    session.timer = setTimeout(() => {
      session.transport.close().catch(() => undefined);
    }, this.#limits.idleMs);
    session.timer.unref();
  }
}

/**
 * One 2025-era request on a stateless transport (no session id) and a server of its own, both
 * closed once the answer is out; a task it started runs on (its state is in the task store).
 */
export async function serveStateless(
  createServer: () => McpServer,
  request: IncomingMessage,
  response: ServerResponse,
  body: unknown,
): Promise<void> {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  const server = createServer();
  response.once('close', () => {
    transport.close().catch(() => undefined);
    server.close().catch(() => undefined);
  });
  await server.connect(transport);
  await transport.handleRequest(request, response, body);
}
