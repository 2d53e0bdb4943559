import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

/** Messages answered before the tools are loaded: the handshake and pings. */
const EARLY = new Set(['initialize', 'notifications/initialized', 'ping']);

/**
 * A transport wrapper that delivers `initialize` (and pings) at once but holds every other
 * message, in order, until `ready` settles. The server can answer the handshake while the engine
 * and tools are still loading, which is what a host waits on at start-up.
 */
export class GatedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly #inner: Transport;
  #queue: Promise<void>;

  constructor(inner: Transport, ready: Promise<unknown>) {
    this.#inner = inner;
    this.#queue = ready.then(
      () => undefined,
      () => undefined,
    );
  }

  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }

  start(): Promise<void> {
    this.#inner.onclose = () => this.onclose?.();
    this.#inner.onerror = (error) => this.onerror?.(error);
    this.#inner.onmessage = (message, extra) => {
      const method = 'method' in message ? message.method : undefined;
      if (method && EARLY.has(method)) {
        this.onmessage?.(message, extra);
        return;
      }
      this.#queue = this.#queue.then(() => this.onmessage?.(message, extra));
    };
    return this.#inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.#inner.send(message, options);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  setProtocolVersion(version: string): void {
    this.#inner.setProtocolVersion?.(version);
  }
}
