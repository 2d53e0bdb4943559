import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DialectSpec } from './dialects/types.js';
import type { SimulatorState } from './state.js';
import type { Attempt } from './types.js';

/** One request in flight and what the simulator knows about it. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  attempt: Attempt;
  spec: DialectSpec;
  state: SimulatorState;
  /** Set when the simulator itself destroyed the socket, so the log does not blame the client. */
  serverClosed: boolean;
}

/** Destroys the connection on purpose (reset and cut scenarios). */
export function destroyConnection(exchange: Exchange): void {
  exchange.serverClosed = true;
  exchange.request.socket.destroy();
}
