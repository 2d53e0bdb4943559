import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, spawnApp } from '../../apps/http-server/test/helpers.js';
import {
  ANSWERED_WITHIN_MS,
  bodyOf,
  firstBytesOf,
  flatArrayChatBody,
  garbage,
  hit,
  slowlorisAreCut,
  statusOf,
  upgradeRequest,
} from './raw-tcp.js';

// The built `exai-http` against clients that do not speak HTTP properly. After every case the process is
// alive and a normal request (GET /healthz and a chat completion on the simulator) is answered within 1 s.

const KEY = 'sk-hostile-suite-key-0001';
const ADMIN = 'sk-hostile-suite-admin-0001';
const HEADERS_TIMEOUT_MS = 2_000;
/** The whole request must be in within this time; an answer streamed for longer is not cut. */
const RECEIVE_TIMEOUT_MS = 2_000;
const modes = [
  { name: 'open mode', env: {} as Record<string, string>, auth: {} as Record<string, string> },
  {
    name: 'with keys',
    env: { EXAI_API_KEYS: KEY, EXAI_ADMIN_KEYS: ADMIN } as Record<string, string>,
    auth: { authorization: `Bearer ${KEY}` } as Record<string, string>,
  },
];

const chatBody = (content: string) => JSON.stringify({ model: 'glm', messages: [{ role: 'user', content }] });

describe.each(modes)('exai-http ($name) under hostile clients', (mode) => {
  let app: AppProcess;
  let port: number;
  const authLine = Object.entries(mode.auth)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const chatRequest = (body: string, extra = '') =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${authLine}${extra}\r\n${body}`;

  /** The process is up, has not needed its last-resort guard, and answers a health check and a chat within 1 s. */
  const expectServing = () =>
    probe().catch((error: unknown) => {
      if ((error as Error).name === 'AssertionError') throw error;
      throw new Error(
        `a normal request got no answer (process ${app.child.exitCode === null ? 'alive but not answering' : 'exited'}): ${(error as Error).message}`,
        { cause: error },
      );
    });
  const probe = async () => {
    expect(app.child.exitCode, app.stderr()).toBeNull();
    const started = performance.now();
    const [health, chat] = await Promise.all([
      fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(10_000) }),
      fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...mode.auth },
        body: chatBody('still serving?'),
        signal: AbortSignal.timeout(10_000),
      }),
    ]);
    const answer = (await chat.json()) as { choices?: Array<{ message: { content: string } }> };
    await health.text();
    const elapsed = performance.now() - started;
    expect(health.status).toBe(200);
    expect(chat.status, JSON.stringify(answer)).toBe(200);
    expect(answer.choices?.[0]?.message.content).toContain('still serving?');
    expect(elapsed, 'a normal request took too long').toBeLessThan(ANSWERED_WITHIN_MS);
    expect(app.stderr()).not.toMatch(/uncaughtException|unhandledRejection|Unhandled 'error'/);
  };

  beforeAll(async () => {
    app = await spawnApp({
      config: { logLevel: 'warn' },
      env: {
        EXAI_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        EXAI_REQUEST_RECEIVE_TIMEOUT_MS: String(RECEIVE_TIMEOUT_MS),
        ...mode.env,
      },
    });
    port = Number(new URL(app.url).port);
    // Warm up (first chat opens the store and JIT-compiles the path), so the 1 s bound measures the server, not start-up.
    for (let round = 0; round < 3; round++)
      await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...mode.auth },
        body: chatBody('warm'),
      });
    await expectServing();
  });
  afterAll(async () => {
    if (app.child.exitCode !== null) return;
    app.child.kill('SIGTERM');
    const killer = setTimeout(() => app.child.kill('SIGKILL'), 5_000);
    await app.exit;
    clearTimeout(killer);
  });

  const paths = ['/v1/ws', '/v1/chat/completions', '/v1/messages', '/healthz', '/metrics', '/mcp', '/no/such/path'];
  describe.each(paths)('an upgrade to %s, then a reset', (path) => {
    it('without reading the answer', async () => {
      await hit(port, [upgradeRequest(path)], { wait: 'nothing' });
      await expectServing();
    });
    it('after reading the answer', async () => {
      const { answer } = await hit(port, [upgradeRequest(path)]);
      // The WebSocket path switches protocols (an unauthenticated socket may still send `hello`); others are refused.
      expect(statusOf(answer), answer).toBe(path === '/v1/ws' ? 101 : 404);
      await expectServing();
    });
  });

  it('refused upgrades (foreign Origin, wrong key) are answered, and a reset after them changes nothing', async () => {
    const foreign = await hit(port, [upgradeRequest('/v1/ws', 'Origin: https://evil.example\r\n')]);
    expect(statusOf(foreign.answer), foreign.answer).toBe(403);
    const wrongKey = await hit(port, [upgradeRequest('/v1/ws', 'Authorization: Bearer sk-wrong-key-000000\r\n')]);
    expect(statusOf(wrongKey.answer), wrongKey.answer).toBe(mode.name === 'open mode' ? 101 : 401);
    await hit(port, [upgradeRequest('/v1/ws', 'Origin: https://evil.example\r\n')], { wait: 'nothing' });
    await hit(port, [upgradeRequest('/v1/ws', 'Authorization: Bearer sk-wrong-key-000000\r\n')], { wait: 'nothing' });
    await expectServing();
  });

  it('a refused upgrade is closed by the server, not left open', async () => {
    const { answer, closedByServer } = await hit(port, [upgradeRequest('/no/such/path')], {
      wait: 'close',
      timeoutMs: 10_000,
    });
    expect(statusOf(answer)).toBe(404);
    expect(closedByServer).toBe(true);
  });

  it.each([
    ['a TLS ClientHello', () => firstBytesOf('tls')],
    ['the HTTP/2 preface', () => firstBytesOf('h2')],
    ['garbage bytes', async () => garbage(4_096)],
  ])('%s on the plain port gets a clean 400 and a closed socket', async (_name, bytes) => {
    const { answer, closedByServer } = await hit(port, [await bytes()], { wait: 'close' });
    expect(statusOf(answer), answer).toBe(400);
    expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: { type: 'invalid_request_error', code: 'bad_request' } });
    expect(answer).not.toMatch(/\n\s+at /);
    expect(closedByServer).toBe(true);
    await hit(port, [await bytes()], { wait: 'nothing' });
    await expectServing();
  });

  it('a 200 KB header gets 431 (or a reset while it is still being sent)', async () => {
    const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(200 * 1024)}\r\n\r\n`;
    const { answer, closedByServer } = await hit(port, [request], { wait: 'close' });
    if (answer !== '') expect(statusOf(answer), answer).toBe(431);
    expect(closedByServer).toBe(true);
    await expectServing();
  });

  it('200 pipelined requests, then a reset', async () => {
    const requests = Array.from({ length: 200 }, (_, index) =>
      index % 2 === 0
        ? 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
        : chatRequest(chatBody(`pipelined ${index}`)),
    );
    const { answer } = await hit(port, [requests.join('')]);
    expect(statusOf(answer)).toBe(200);
    await hit(port, [requests.join('')], { wait: 'nothing' });
    await expectServing();
  });

  it.each([
    ['a chunk size that is not hex', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['chunk data longer than its size', '5\r\nhello-and-more\r\n0\r\n\r\n'],
    ['a chunk size line without CRLF', `5${' '.repeat(64)}hello`],
  ])('a bad chunked body (%s) gets 400', async (_name, body) => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n${authLine}\r\n`;
    const { answer } = await hit(port, [head, body], { wait: 'close' });
    expect(statusOf(answer), answer).toBe(400);
    await expectServing();
  });

  it('a chunked body that promises 4 GB, then a reset', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n${authLine}\r\n`;
    await hit(port, [head, 'ffffffff\r\n{"model":"glm","messages":['], { wait: 'nothing' });
    await expectServing();
  });

  it('Content-Length together with Transfer-Encoding gets 400', async () => {
    const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n${authLine}\r\n0\r\n\r\n`;
    const { answer } = await hit(port, [request], { wait: 'close' });
    expect(statusOf(answer), answer).toBe(400);
    await expectServing();
  });

  /** 100 bytes of a 10 kB body are sent, then the connection is reset; the server goes on serving. */
  async function halfSentThenReset(request: (body: string) => string, body: string) {
    await hit(port, [request(body).slice(0, -body.length + 100)], { wait: 'nothing', gapMs: 100 });
    await expectServing();
  }

  it('a half-sent body, then a reset', () => halfSentThenReset(chatRequest, chatBody('x'.repeat(10_000))));

  it('/v1/messages: a half-sent body, a stream reset at its first bytes, a key in x-api-key; then serving', async () => {
    const body = JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'x'.repeat(10_000) }],
    });
    const keyLine = mode.name === 'open mode' ? '' : `x-api-key: ${KEY}\r\n`;
    const request = `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${keyLine}\r\n${body}`;
    await hit(port, [request.slice(0, -body.length + 100)], { wait: 'nothing', gapMs: 100 });
    const { answer } = await hit(port, [request]);
    expect(statusOf(answer), answer.slice(0, 300)).toBe(200);
    expect(answer).toContain('text/event-stream');
    await hit(port, [request], { wait: 'nothing' });
    await expectServing();
  });

  describe('POST /v1/responses', () => {
    const responsesRequest = (body: string, extra = '') =>
      chatRequest(body, extra).replace('POST /v1/chat/completions ', 'POST /v1/responses ');
    const responsesBody = (input: string, stream = false) => JSON.stringify({ model: 'glm', input, stream });

    it("garbage and a bad item are 400s in OpenAI's shape", async () => {
      for (const body of [
        '{"model":',
        '\u0000\u0001garbage',
        JSON.stringify({ model: 'glm', input: [{ type: 'nope' }] }),
      ]) {
        const { answer } = await hit(port, [responsesRequest(body, 'connection: close\r\n')], { wait: 'close' });
        expect(statusOf(answer), answer).toBe(400);
        expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: { type: 'invalid_request_error' } });
      }
      await expectServing();
    });

    it('a half-sent body, then a reset', () => halfSentThenReset(responsesRequest, responsesBody('x'.repeat(10_000))));

    it('a stream the client resets after its first events', async () => {
      const body = JSON.stringify({ model: 'glm-4.6~long-stream?chunks=2000', input: 'long', stream: true });
      await hit(port, [responsesRequest(body)], { wait: 'nothing', gapMs: 200 });
      await expectServing();
    });
  });

  describe('POST /v1/embeddings', () => {
    const embeddingsRequest = (body: string, extra = '') =>
      chatRequest(body, extra).replace('POST /v1/chat/completions ', 'POST /v1/embeddings ');

    it("garbage, bad input and a chat model are 400s in OpenAI's shape; a good one is served", async () => {
      for (const body of [
        '{"model":',
        '\u0000\u0001garbage',
        JSON.stringify({ model: 'text-embedding-3-small', input: [] }),
        JSON.stringify({ model: 'text-embedding-3-small', input: [{ nested: ['x'] }] }),
        JSON.stringify({ model: 'kimi-k2-0905-preview', input: 'x' }),
      ]) {
        const { answer } = await hit(port, [embeddingsRequest(body, 'connection: close\r\n')], { wait: 'close' });
        expect(statusOf(answer), answer).toBe(400);
        expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: { type: 'invalid_request_error' } });
      }
      const good = JSON.stringify({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 8 });
      const { answer } = await hit(port, [embeddingsRequest(good, 'connection: close\r\n')], { wait: 'close' });
      expect(statusOf(answer), answer).toBe(200);
      expect(JSON.parse(bodyOf(answer)).data).toHaveLength(2);
      await expectServing();
    });

    it('a half-sent body, then a reset', async () => {
      const body = JSON.stringify({ model: 'embedding-3', input: 'x'.repeat(10_000) });
      await hit(port, [embeddingsRequest(body).slice(0, -body.length + 100)], { wait: 'nothing', gapMs: 100 });
      await hit(port, [embeddingsRequest(body)], { wait: 'nothing' });
      await expectServing();
    });
  });

  describe('the admin key API and response cancellation', () => {
    const request = (method: string, path: string, body: string, headers: string) =>
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${headers}connection: close\r\n\r\n${body}`;
    // Open mode has no admin key: every admin call is refused before its body is read.
    const adminLine = mode.name === 'open mode' ? '' : `authorization: Bearer ${ADMIN}\r\n`;
    const garbage = ['{"name":', '\u0000\u0001garbage', '{"name":5}', '{"name":"x","budget":{"amount":"lots"}}', '[]'];

    it("garbage to /v1/admin/keys is a 4xx in OpenAI's shape, and the process serves on", async () => {
      for (const body of garbage) {
        const { answer } = await hit(port, [request('POST', '/v1/admin/keys', body, adminLine)], { wait: 'close' });
        expect(statusOf(answer), answer).toBeGreaterThanOrEqual(400);
        expect(statusOf(answer), answer).toBeLessThan(500);
        expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: { message: expect.any(String) } });
      }
      for (const path of ['/v1/admin/keys/%00', '/v1/admin/keys/../../etc', '/v1/admin/spend?since=yesterday']) {
        const { answer } = await hit(port, [request('GET', path, '', adminLine)], { wait: 'close' });
        expect(statusOf(answer), answer).toBeLessThan(500);
      }
      await expectServing();
    });

    it("garbage to /v1/responses/{id}/cancel is a 4xx in OpenAI's shape; a half-sent body, then a reset", async () => {
      for (const body of garbage) {
        const { answer } = await hit(port, [request('POST', '/v1/responses/resp_unknown/cancel', body, authLine)], {
          wait: 'close',
        });
        expect(statusOf(answer), answer).toBeGreaterThanOrEqual(400);
        expect(statusOf(answer), answer).toBeLessThan(500);
        expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: { message: expect.any(String) } });
      }
      const body = JSON.stringify({ name: 'x'.repeat(10_000) });
      const half = request('POST', '/v1/admin/keys', body, adminLine).slice(0, -body.length + 100);
      await hit(port, [half], { wait: 'nothing', gapMs: 100 });
      await hit(port, [request('POST', '/v1/responses/resp_unknown/cancel', body, authLine).slice(0, -9_000)], {
        wait: 'nothing',
      });
      await expectServing();
    });
  });

  it('60 slowloris sockets are cut by the headers timeout, and others are served meanwhile', async () => {
    expect(await slowlorisAreCut(port, HEADERS_TIMEOUT_MS, expectServing)).toHaveLength(60);
    await expectServing();
  });

  it('a body trickled slower than the receive timeout gets 408; an answer streamed for longer is not cut', async () => {
    const body = chatBody('trickled');
    const head = chatRequest(body).slice(0, -body.length);
    const trickle = [head, ...body.match(/.{1,4}/g)!];
    const started = Date.now();
    const { answer } = await hit(port, trickle, { wait: 'answer', gapMs: 200, timeoutMs: RECEIVE_TIMEOUT_MS + 6_000 });
    expect(statusOf(answer), answer).toBe(408);
    expect(Date.now() - started).toBeLessThan(RECEIVE_TIMEOUT_MS + 4_000);
    const stream = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...mode.auth },
      body: JSON.stringify({
        model: `glm-4.6~slow-first-token?ms=${RECEIVE_TIMEOUT_MS + 1_000}`,
        stream: true,
        messages: [{ role: 'user', content: 'slow' }],
      }),
    });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toMatch(/data: \[DONE\]\n\n$/);
    await expectServing();
  });

  it('three concurrent 8 MB flat-array chat bodies do not stall the server', { timeout: 90_000 }, async () => {
    const request = chatRequest(flatArrayChatBody(8 * 1024 * 1024, 'glm'));
    let sent = 0;
    let allSent!: () => void;
    const uploaded = new Promise<void>((resolve) => {
      allSent = resolve;
    });
    const onSent = () => {
      sent++;
      if (sent === 3) allSent();
    };
    const answers = Promise.all(
      [0, 1, 2].map(() => hit(port, [request], { wait: 'answer', timeoutMs: 100_000, onSent })),
    );
    // A server that stops reading (its event loop busy with the first body) never takes the rest.
    const stalled = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error('the server did not read three 8 MB bodies within 30 s: its event loop is blocked')),
        30_000,
      ).unref(),
    );
    await Promise.race([uploaded, stalled]);
    await expectServing();
    for (const { answer } of await answers) expect(statusOf(answer), answer.slice(0, 300)).toBe(400);
    await expectServing();
  });
});
