import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** A refused socket is closed once the answer is out and the client has ended, or after this long regardless. */
const REFUSE_LINGER_MS = 5_000;

/** Answers a refused WebSocket upgrade with a plain HTTP error and closes the socket. */
export function refuse(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // Discard what the client still sends (closing with unread bytes would reset the connection before it reads
  // the answer), answer, and destroy: Node removed its own timeouts from an upgraded socket.
  socket.resume();
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ` +
      `${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
  const timer = setTimeout(() => socket.destroy(), REFUSE_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
