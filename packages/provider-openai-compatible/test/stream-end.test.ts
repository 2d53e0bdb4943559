import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adapterFor, collect, useSimulator } from './setup.js';

const context = useSimulator();
const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };
const event = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', model: 'gpt-test', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** An upstream on loopback that answers every request with a short stream; `open` leaves the body open after `[DONE]`. */
async function upstream(open: boolean) {
  const sockets = { opened: 0, closed: 0 };
  const bodies: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`${event('Hel')}${event('lo', 'stop')}data: [DONE]\n\n`);
    if (open) bodies.push(response);
    else response.end();
  });
  server.on('connection', (socket) => {
    sockets.opened++;
    socket.on('close', () => sockets.closed++);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = () => {
    for (const body of bodies) body.destroy();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  servers.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, sockets };
}

const servers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

describe('the end of a stream', () => {
  it('a body that ends after [DONE]: every stream complete, no connection torn down', async () => {
    const { url, sockets } = await upstream(false);
    const adapter = adapterFor(context.sim, { baseURL: url });
    for (let index = 0; index < 5; index++) {
      const chunks = await collect(adapter.stream(ask));
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello');
    }
    expect(sockets.closed).toBe(0);
    expect(sockets.opened).toBeLessThan(5);
  });

  it('a body left open after [DONE]: the stream still ends at once and the connection is let go', async () => {
    const { url, sockets } = await upstream(true);
    const adapter = adapterFor(context.sim, { baseURL: url });
    const started = Date.now();
    const chunks = await collect(adapter.stream(ask));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect.poll(() => sockets.closed, { timeout: 5_000 }).toBe(1);
  });
});
