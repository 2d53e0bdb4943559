import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway, waitFor } from './helpers.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({ config: { breaker: { volumeThreshold: 1_000 } } });
});
afterAll(() => gateway.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The body of a raw HTTP/1.1 response with `transfer-encoding: chunked`. */
function dechunk(raw: Buffer): { head: string; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end).toString('latin1');
  const parts: Buffer[] = [];
  let offset = end + 4;
  for (;;) {
    const line = raw.indexOf('\r\n', offset);
    const size = Number.parseInt(raw.subarray(offset, line).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(line + 2, line + 2 + size));
    offset = line + 2 + size + 2;
  }
  return { head, body: Buffer.concat(parts) };
}

describe('streaming to a client that stops reading', () => {
  it('keeps the server buffer bounded and pauses the upstream read, then delivers the whole stream', async () => {
    const chunks = 40_000;
    const bytes = 1_000;
    gateway.sim.script('glm-4.6', `long-stream?chunks=${chunks}&bytes=${bytes}`);
    const responses: ServerResponse[] = [];
    const onRequest = (request: IncomingMessage, response: ServerResponse) => {
      if (request.url === '/v1/chat/completions') responses.push(response);
    };
    gateway.server.app.server.on('request', onRequest);
    const socket = connect(gateway.server.port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      // Not reading: nothing is taken from the kernel until resume().
      socket.pause();
      const body = JSON.stringify({
        model: 'glm-4.6',
        messages: [{ role: 'user', content: 'Say hello' }],
        stream: true,
      });
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      const attempt = () => gateway.sim.log.find((row) => row.scenario?.startsWith('long-stream'));
      await waitFor(() => (attempt()?.eventsWritten ?? 0) > 0 && responses.length > 0, 15_000, 'the stream to start');

      // Wait until the upstream writer stops moving (paused by backpressure, or finished).
      let written = -1;
      let buffered = 0;
      for (let still = 0, rounds = 0; still < 5 && rounds < 300; rounds += 1) {
        await sleep(200);
        buffered = Math.max(buffered, responses[0]!.writableLength);
        const now = attempt()?.eventsWritten ?? 0;
        still = now === written ? still + 1 : 0;
        written = now;
      }
      // ~48 MB of events: the kernel's socket buffers take a few MB, the gateway holds at most a
      // write's high-water mark and a bounded channel; unbounded, it held everything the simulator sent.
      expect(buffered).toBeLessThan(1024 * 1024);
      expect(written).toBeLessThan(chunks / 2);

      const received: Buffer[] = [];
      // The response ends with the last chunk of the chunked encoding (the connection may stay open).
      const complete = new Promise<void>((resolve, reject) => {
        socket.on('data', (data: Buffer) => {
          received.push(data);
          if (data.subarray(-5).toString('latin1') === '0\r\n\r\n') resolve();
        });
        socket.once('close', () => reject(new Error('closed before the stream ended')));
      });
      socket.resume();
      await complete;
      const { head, body: sse } = dechunk(Buffer.concat(received));
      expect(head).toMatch(/^HTTP\/1\.1 200/);
      const events = sse
        .toString('utf8')
        .split('\n\n')
        .filter((block) => block.startsWith('data: '))
        .map((block) => block.slice(6));
      expect(events.at(-1)).toBe('[DONE]');
      const text = events
        .slice(0, -1)
        .map(
          (event) =>
            (JSON.parse(event) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ??
            '',
        )
        .join('');
      const words = text.split(' ');
      expect(words.slice(0, 5).join(' ')).toBe('Simulated answer to: Say hello');
      expect(words).toHaveLength(chunks);
      for (let index = 5; index < chunks; index += 1) {
        if (words[index] !== `filler-${index}-`.padEnd(bytes, 'x'))
          throw new Error(`word ${index} is ${words[index]?.slice(0, 40)}`);
      }
      expect(attempt()?.eventsWritten).toBeGreaterThanOrEqual(chunks);
    } finally {
      gateway.server.app.server.off('request', onRequest);
      socket.destroy();
    }
  }, 180_000);
});
