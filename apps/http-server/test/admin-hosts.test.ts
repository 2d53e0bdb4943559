import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startGateway, type TestGateway } from './helpers.js';
import { ADMIN_KEY, API_KEY, type Harness, startHarness } from './ws-harness.js';

/**
 * The admin surface and the Host/Origin allow-list, spoken in raw HTTP so that no client library
 * normalizes the path (`//metrics`, `/%6Detrics`) or refuses to send a foreign `Host`.
 */

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function raw(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path, headers: options.headers ?? {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    outgoing.setTimeout(20_000, () => outgoing.destroy(new Error(`timed out: ${path}`)));
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Spellings a router may decode, fold or normalize into an admin route. */
const METRICS_VARIANTS = [
  '/metrics',
  '/%6Detrics',
  '/%6d%65%74%72%69%63%73',
  '/metrics?x',
  '/metrics?x=1&y',
  '//metrics',
  '/metrics/',
  '/METRICS',
  '/Metrics',
  '/./metrics',
  '/x/../metrics',
  '/metrics%2F',
  '/metrics;x',
  '/%2Fmetrics',
];
const SNAPSHOT_VARIANTS = [
  '/dashboard/snapshot',
  '/dashboard%2Fsnapshot',
  '/dashboard%2fsnapshot',
  '/dashboard/%73napshot',
  '/%64ashboard/snapshot',
  '//dashboard/snapshot',
  '/dashboard//snapshot',
  '/dashboard/snapshot/',
  '/DASHBOARD/SNAPSHOT',
  '/dashboard/snapshot?x',
  '/dashboard/events?x',
];

/** True when the answer holds admin data: the Prometheus text or a dashboard snapshot. */
const leaksAdminData = (answer: RawAnswer) =>
  answer.text.includes('exai_http_requests_total') ||
  answer.text.includes('"totals"') ||
  answer.headers['content-type'] === 'text/event-stream; charset=utf-8';

describe('admin routes, decided on the matched route', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
    // Traffic, so that /metrics has request series to leak.
    await raw(harness.url, '/v1/models', { headers: bearer(API_KEY) });
  });
  afterAll(() => harness?.close());

  it('no spelling of /metrics or the dashboard feed gives admin data to a loopback client without a key, or to an ordinary key', async () => {
    for (const path of [...METRICS_VARIANTS, ...SNAPSHOT_VARIANTS]) {
      for (const headers of [{}, bearer(API_KEY)]) {
        const answer = await raw(harness.url, path, { headers });
        expect(
          leaksAdminData(answer),
          `${path} ${JSON.stringify(headers)}: ${answer.status} ${answer.text.slice(0, 200)}`,
        ).toBe(false);
        expect([400, 401, 403, 404], `${path}: ${answer.status}`).toContain(answer.status);
        // Every refusal in OpenAI's error shape.
        expect(JSON.parse(answer.text), path).toMatchObject({
          error: { message: expect.any(String), type: expect.any(String) },
        });
      }
    }
  });

  it('the spellings the router maps onto an admin route are admin routes: 401 without a key, 403 for an ordinary key, served to the admin key', async () => {
    for (const path of ['/metrics', '/%6Detrics', '/%6d%65%74%72%69%63%73', '/metrics?x']) {
      expect((await raw(harness.url, path)).status, path).toBe(401);
      expect((await raw(harness.url, path, { headers: bearer(API_KEY) })).status, path).toBe(403);
      const admin = await raw(harness.url, path, { headers: bearer(ADMIN_KEY) });
      expect(admin.status, path).toBe(200);
      expect(admin.text).toContain('exai_http_requests_total');
    }
    const encoded = await raw(harness.url, '/dashboard/%73napshot', { headers: bearer(API_KEY) });
    expect(encoded.status).toBe(403);
    expect(JSON.parse(encoded.text)).toMatchObject({ error: { code: 'admin_key_required', type: 'permission_error' } });
    const snapshot = await raw(harness.url, '/dashboard/%73napshot', { headers: bearer(ADMIN_KEY) });
    expect(snapshot.status).toBe(200);
    expect(JSON.parse(snapshot.text)).toHaveProperty('totals');
  });

  it('serves the dashboard page (no data in it) without a key, so a browser can ask for the admin key', async () => {
    const page = await raw(harness.url, '/dashboard');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/dashboard/events');
    expect(page.text).not.toContain('"totals"');
  });
});

describe('EXAI_LOOPBACK_ADMIN=1', () => {
  it('lets loopback clients read /metrics without a key, and only then', async () => {
    const local = await startHarness({ env: { EXAI_LOOPBACK_ADMIN: '1' } });
    try {
      const answer = await raw(local.url, '/%6Detrics');
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('exai_http_in_flight');
    } finally {
      await local.close();
    }
  });
});

describe('a foreign Host in open mode (DNS rebinding)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway?.close());

  const chatBody = JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }] });
  const json = { 'content-type': 'application/json' };
  const multipart = {
    'content-type': 'multipart/form-data; boundary=b0undary',
  };
  const upload =
    '--b0undary\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b0undary--\r\n';
  const calls = [
    { method: 'POST', path: '/v1/chat/completions', headers: json, body: chatBody },
    { method: 'GET', path: '/v1/models' },
    { method: 'GET', path: '/v1/tools' },
    { method: 'POST', path: '/v1/tools/version', headers: json, body: '{}' },
    { method: 'GET', path: '/v1/files' },
    { method: 'POST', path: '/v1/files', headers: multipart, body: upload },
    { method: 'GET', path: '/nowhere' },
  ];

  it('refuses chat, tools, files and the rest with 421 in OpenAI error shape', async () => {
    for (const call of calls) {
      for (const host of [
        'evil.example',
        'evil.example:8080',
        'localhost.evil.example',
        '127.0.0.1.nip.io',
        '10.0.0.1',
      ]) {
        const answer = await raw(gateway.url, call.path, {
          method: call.method,
          headers: { ...call.headers, host },
          ...(call.body ? { body: call.body } : {}),
        });
        expect(answer.status, `${call.method} ${call.path} Host ${host}: ${answer.text.slice(0, 200)}`).toBe(421);
        expect(JSON.parse(answer.text)).toMatchObject({
          error: { type: 'invalid_request_error', code: 'misdirected_request', param: null },
        });
      }
    }
  });

  it('refuses a foreign Origin with 403 in OpenAI error shape, and serves the loopback names and same-origin pages', async () => {
    for (const call of calls.slice(0, 3)) {
      const options = { method: call.method, ...(call.body ? { body: call.body } : {}) };
      const foreign = await raw(gateway.url, call.path, {
        ...options,
        headers: { ...call.headers, origin: 'http://evil.example' },
      });
      expect(foreign.status, `${call.path}: ${foreign.text.slice(0, 200)}`).toBe(403);
      expect(JSON.parse(foreign.text)).toMatchObject({
        error: { type: 'permission_error', code: 'origin_not_allowed' },
      });
      for (const host of ['127.0.0.1', 'localhost:1234', '[::1]']) {
        const served = await raw(gateway.url, call.path, {
          ...options,
          headers: { ...call.headers, host, origin: `http://${host}` },
        });
        expect(served.status, `${call.path} Host ${host}: ${served.text.slice(0, 200)}`).toBe(200);
      }
    }
    const answer = await raw(gateway.url, '/v1/chat/completions', { method: 'POST', headers: json, body: chatBody });
    expect(answer.status).toBe(200);
  });

  it('answers /healthz and /readyz for any Host (load balancers probe by address)', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const answer = await raw(gateway.url, path, { headers: { host: '203.0.113.9:8080' } });
      expect(answer.status, path).toBe(200);
    }
  });

  it('checks Host and Origin on WebSocket upgrades too', async () => {
    const wsURL = `${gateway.url.replace('http', 'ws')}/v1/ws`;
    const refusal = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(wsURL, { headers });
        socket.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('error', (error) => {
          if (!/Unexpected server response/.test(error.message)) reject(error);
        });
      });
    expect(await refusal({ host: 'evil.example' })).toBe(421);
    expect(await refusal({ origin: 'http://evil.example' })).toBe(403);
    expect(await refusal({ origin: gateway.url })).toBe(101);
    expect(await refusal({})).toBe(101);
  });
});
