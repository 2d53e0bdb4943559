import type { ServerResponse } from 'node:http';

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
