import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatorEnvironment, textOf } from './helpers.js';
import { startHttpProcess } from './http-process.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `exai-test-${process.pid}-${randomBytes(4).toString('hex')}:`;

/**
 * A proxy in front of one instance at a time, as a load balancer would be: `hold()` keeps the next
 * resuming GET (`Last-Event-ID`) waiting until `switchTo()` names the instance that gets it.
 */
function switchingProxy() {
  let target = '';
  let holding = false;
  const held: Array<() => void> = [];
  const resumes: Array<{ target: string; lastEventId: string; status: number }> = [];
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const url = new URL(target);
    const upstream = request(
      { host: url.hostname, port: url.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (answer) => {
        const lastEventId = incoming.headers['last-event-id'];
        if (typeof lastEventId === 'string') resumes.push({ target, lastEventId, status: answer.statusCode ?? 0 });
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('error', () => outgoing.destroy());
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  };
  const server: Server = createServer((incoming, outgoing) => {
    if (holding && incoming.method === 'GET' && incoming.headers['last-event-id'])
      held.push(() => forward(incoming, outgoing));
    else forward(incoming, outgoing);
  });
  return {
    server,
    resumes,
    held: () => held.length,
    hold: () => {
      holding = true;
    },
    switchTo(url: string) {
      target = url;
      holding = false;
      for (const release of held.splice(0)) release();
    },
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    },
  };
}

let env: Record<string, string>;
let cleanup: () => Promise<void>;
let admin: Redis;
let a: Awaited<ReturnType<typeof startHttpProcess>>;
let b: Awaited<ReturnType<typeof startHttpProcess>>;

beforeAll(async () => {
  ({ env, cleanup } = await simulatorEnvironment());
  admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await admin.connect();
  // Resumable SSE streams belong to 2025 sessions (HTTP is stateless by default): sessions on.
  const shared = {
    ...env,
    EXAI_MCP_SESSIONS: '1',
    REDIS_URL: redisUrl,
    EXAI_REDIS_PREFIX: prefix,
    EXAI_MCP_TOKENS: 'alpha-token,beta-token',
  };
  [a, b] = await Promise.all([
    startHttpProcess(shared, ['--conformance']),
    startHttpProcess(shared, ['--conformance']),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await cleanup?.();
  if (!admin) return;
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

/** True once some stored SSE event (in Redis, under this run's prefix) contains `text`. */
async function stored(text: string): Promise<boolean> {
  for (const key of await admin.keys(`${prefix}events:*`)) {
    const entries = await admin.xrange(key, '-', '+');
    if (entries.some(([, fields]) => fields[1]?.includes(text))) return true;
  }
  return false;
}

describe('SSE resumability across instances (event store in Redis)', () => {
  it('a stream cut on instance A, A killed: the client resumes on B with Last-Event-ID and gets the answer', {
    timeout: 60_000,
  }, async () => {
    const proxy = switchingProxy();
    const proxyUrl = await proxy.listen();
    proxy.switchTo(a.url);
    const client = new Client({ name: 'resume-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(proxyUrl), {
      requestInit: { headers: { authorization: 'Bearer alpha-token' } },
    });
    try {
      await client.connect(transport);
      proxy.hold();
      // The fixture ends its SSE stream at once (the client is told to poll) and answers 200 ms later.
      const call = client.callTool({ name: 'test_reconnection', arguments: {} });
      await vi.waitFor(async () => expect(await stored('Reconnection test completed')).toBe(true), {
        timeout: 15_000,
      });
      await vi.waitFor(() => expect(proxy.held()).toBe(1), { timeout: 15_000 });
      // Instance A goes away for good with the answer only in Redis; the balancer sends the resume to B.
      const killed = new Promise((resolve) => a.child.once('exit', resolve));
      a.child.kill('SIGKILL');
      await killed;
      proxy.switchTo(b.url);
      const answer = await call;
      expect(textOf(answer)).toBe('Reconnection test completed');
      expect(proxy.resumes.map((resume) => [resume.target, resume.status])).toEqual([[b.url, 200]]);

      const lastEventId = proxy.resumes[0]!.lastEventId;
      const resume = (authorization: string, id = lastEventId) =>
        fetch(b.url, {
          headers: {
            authorization,
            accept: 'text/event-stream',
            'mcp-session-id': transport.sessionId!,
            'last-event-id': id,
          },
        });
      // Another tenant with the same session and event ids: answered as an unknown session, nothing replayed.
      const other = await resume('Bearer beta-token');
      expect(other.status).toBe(404);
      expect(await other.text()).not.toContain('Reconnection test completed');
      // The same tenant gets the same events again (they stay until the log's TTL); an unknown id gets none.
      const again = await resume('Bearer alpha-token');
      expect(again.status).toBe(200);
      expect(await again.text()).toContain('Reconnection test completed');
      expect((await resume('Bearer alpha-token', `${lastEventId.slice(0, -1)}9x`)).status).toBe(404);
    } finally {
      await client.close().catch(() => undefined);
      await new Promise((resolve) => proxy.server.close(resolve));
      proxy.server.closeAllConnections();
    }
  });
});
