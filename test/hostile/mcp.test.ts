import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpProcess } from '../../apps/mcp-server/test/http-process.js';
import * as tcp from './raw-tcp.js';

// The built `exai-mcp --http` against clients that do not speak HTTP properly. After every case the process
// is alive and a normal MCP exchange (initialize, a `chat` tool call on the simulator) is answered within 1 s.

const TOKEN = 'hostile-suite-mcp-token-0001';
const HEADERS_TIMEOUT_MS = 2_000;
const modes = [
  { name: 'no token', env: {} as Record<string, string>, auth: {} as Record<string, string> },
  {
    name: 'with a token',
    env: { EXAI_MCP_TOKEN: TOKEN } as Record<string, string>,
    auth: { authorization: `Bearer ${TOKEN}` } as Record<string, string>,
  },
];

type JsonRpcAnswer = { result?: { content?: Array<{ text?: string }> }; error?: unknown };

/** The JSON-RPC message of a Streamable HTTP answer (plain JSON or the first SSE `data:` line). */
async function messageOf(response: Response): Promise<JsonRpcAnswer> {
  const text = await response.text();
  const data = text.split('\n').find((line) => line.startsWith('data: '));
  return JSON.parse(data ? data.slice(6) : text) as JsonRpcAnswer;
}

describe.each(modes)('exai-mcp --http ($name) under hostile clients', (mode) => {
  let server: Awaited<ReturnType<typeof startHttpProcess>>;
  let port: number;
  let stderr = '';
  const authLine = Object.entries(mode.auth)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');

  const post = (body: unknown, session?: string) =>
    fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...mode.auth,
        ...(session ? { 'mcp-session-id': session } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  /** The process is up, has not needed its last-resort guard, and serves a whole MCP exchange within 1 s. */
  const expectServing = () =>
    probe().catch((error: unknown) => {
      if ((error as Error).name === 'AssertionError') throw error;
      throw new Error(
        `a normal MCP exchange got no answer (process ${server.child.exitCode === null ? 'alive but not answering' : 'exited'}): ${(error as Error).message}`,
        { cause: error },
      );
    });
  const probe = async () => {
    expect(server.child.exitCode, stderr).toBeNull();
    const started = performance.now();
    const initialize = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'hostile-suite', version: '1' } },
    });
    expect(initialize.status).toBe(200);
    const session = initialize.headers.get('mcp-session-id') ?? '';
    expect((await messageOf(initialize)).result).toBeDefined();
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
    const call = await post(
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'chat', arguments: { prompt: 'still serving?', model: 'glm' } },
      },
      session,
    );
    const answer = await messageOf(call);
    const elapsed = performance.now() - started;
    await fetch(server.url, { method: 'DELETE', headers: { ...mode.auth, 'mcp-session-id': session } }).then(
      (response) => response.text(),
    );
    expect(answer.result?.content?.[0]?.text, JSON.stringify(answer)).toContain('still serving?');
    expect(elapsed, 'a normal MCP exchange took too long').toBeLessThan(tcp.ANSWERED_WITHIN_MS);
    expect(stderr).not.toMatch(/uncaughtException|unhandledRejection|Unhandled 'error'/);
  };

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exai-mcp-hostile-'));
    server = await startHttpProcess({
      PATH: process.env.PATH ?? '',
      HOME: dataDir,
      EXAI_DATA_DIR: dataDir,
      EXAI_LOG_LEVEL: 'warn',
      EXAI_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      ...mode.env,
    });
    server.child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    port = Number(new URL(server.url).port);
    // Warm up, so the 1 s bound measures the server rather than its first call.
    for (let round = 0; round < 3; round++) await expectServing().catch(() => undefined);
    await expectServing();
  });
  afterAll(async () => {
    const killer = setTimeout(() => server.child.kill('SIGKILL'), 8_000);
    await server?.stop();
    clearTimeout(killer);
  });

  // exai-mcp has no upgrade handler: Node serves an upgrade request as a plain one.
  const paths = ['/mcp', '/v1/ws', '/v1/chat/completions', '/healthz', '/metrics', '/no/such/path'];
  describe.each(paths)('an upgrade to %s, then a reset', (path) => {
    it('without reading the answer', async () => {
      await tcp.hit(port, [tcp.upgradeRequest(path, authLine)], { wait: 'nothing' });
      await expectServing();
    });
    it('after reading the answer', async () => {
      const { answer } = await tcp.hit(port, [tcp.upgradeRequest(path, authLine)]);
      // /mcp: stateless by default, so a GET (no stream to open) is a 405.
      expect(tcp.statusOf(answer), answer).toBe(path === '/mcp' ? 405 : 404);
      await expectServing();
    });
  });

  it.each([
    ['a TLS ClientHello', () => tcp.firstBytesOf('tls')],
    ['the HTTP/2 preface', () => tcp.firstBytesOf('h2')],
    ['garbage bytes', async () => tcp.garbage(4_096)],
  ])('%s on the plain port gets a clean JSON-RPC 400 and a closed socket', async (_name, bytes) => {
    const { answer, closedByServer } = await tcp.hit(port, [await bytes()], { wait: 'close' });
    expect(tcp.statusOf(answer), answer).toBe(400);
    expect(JSON.parse(tcp.bodyOf(answer))).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    expect(answer).not.toMatch(/\n\s+at /);
    expect(closedByServer).toBe(true);
    await tcp.hit(port, [await bytes()], { wait: 'nothing' });
    await expectServing();
  });

  it('a 200 KB header gets 431 (or a reset while it is still being sent)', async () => {
    const { answer, closedByServer } = await tcp.hit(
      port,
      [`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(200 * 1024)}\r\n\r\n`],
      { wait: 'close' },
    );
    if (answer !== '') expect(tcp.statusOf(answer), answer).toBe(431);
    expect(closedByServer).toBe(true);
    await expectServing();
  });

  it('200 pipelined requests, then a reset', async () => {
    const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const request = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\n${authLine}content-length: ${ping.length}\r\n\r\n${ping}`;
    const requests = Array.from({ length: 200 }, (_, index) =>
      index % 2 === 0 ? 'GET /no/such/path HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' : request,
    ).join('');
    const { answer } = await tcp.hit(port, [requests]);
    expect(tcp.statusOf(answer)).toBe(404);
    await tcp.hit(port, [requests], { wait: 'nothing' });
    await expectServing();
  });

  const chunkedHead = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ntransfer-encoding: chunked\r\n${authLine}\r\n`;
  it.each([
    ['a chunk size that is not hex', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['chunk data longer than its size', '5\r\nhello-and-more\r\n0\r\n\r\n'],
  ])('a bad chunked body (%s) gets 400', async (_name, body) => {
    const { answer } = await tcp.hit(port, [chunkedHead, body], { wait: 'close' });
    expect(tcp.statusOf(answer), answer).toBe(400);
    await expectServing();
  });

  it('a chunked body that promises 4 GB, then a reset', async () => {
    await tcp.hit(port, [chunkedHead, 'ffffffff\r\n{"jsonrpc":"2.0",'], { wait: 'nothing' });
    await expectServing();
  });

  it('Content-Length together with Transfer-Encoding gets 400', async () => {
    const { answer } = await tcp.hit(
      port,
      [
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n${authLine}\r\n0\r\n\r\n`,
      ],
      { wait: 'close' },
    );
    expect(tcp.statusOf(answer), answer).toBe(400);
    await expectServing();
  });

  it('a half-sent body, then a reset', async () => {
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 10000\r\n${authLine}\r\n`;
    await tcp.hit(port, [head, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{'], {
      wait: 'nothing',
      gapMs: 100,
    });
    await expectServing();
  });

  it('60 slowloris sockets are cut by the headers timeout, and others are served meanwhile', async () => {
    expect(await tcp.slowlorisAreCut(port, HEADERS_TIMEOUT_MS, expectServing)).toHaveLength(60);
    await expectServing();
  });

  it('three concurrent 8 MB flat-array bodies are refused (413) without stalling the server', {
    timeout: 60_000,
  }, async () => {
    const body = tcp.flatArrayChatBody(8 * 1024 * 1024, 'glm');
    const request = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${body.length}\r\n${authLine}\r\n${body}`;
    const answers = Promise.all([0, 1, 2].map(() => tcp.hit(port, [request], { wait: 'answer', timeoutMs: 30_000 })));
    await expectServing();
    for (const { answer } of await answers) expect(tcp.statusOf(answer), answer.slice(0, 300)).toBe(413);
    await expectServing();
  });
});
