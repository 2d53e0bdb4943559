import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnvironment } from './helpers.js';
import { startHttpProcess } from './http-process.js';
import { exchange, INIT } from './raw-http.js';

let env: Record<string, string>;
let cleanup: () => Promise<void>;

/** A raw initialize; resolves with the new session's id. */
async function initialize(url: string): Promise<string> {
  const answer = await exchange(url, 'POST', INIT);
  expect(answer.status, answer.body).toBe(200);
  const id = answer.headers['mcp-session-id'];
  expect(typeof id).toBe('string');
  return id as string;
}

const listTools = (url: string, session: string) =>
  exchange(
    url,
    'POST',
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
  );

async function connect(url: string, sessionId?: string) {
  const client = new Client({ name: 'exai-sessions-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), sessionId === undefined ? {} : { sessionId });
  await client.connect(transport);
  return { client, transport };
}

/** Resident memory of a process in MB, from /proc. */
function residentMb(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  ({ env, cleanup } = await simulatorEnvironment());
  // Sessions are opt-in (HTTP is stateless by default): what these tests are about.
  env.EXAI_MCP_SESSIONS = '1';
});
afterAll(async () => {
  await cleanup();
});

describe('exai-mcp --http sessions', () => {
  it('keeps nothing for 2,000 refused initializes (wrong Accept): RSS grows by under 60 MB, and a client still connects', async () => {
    const server = await startHttpProcess(env);
    try {
      const pid = server.child.pid!;
      const refuse = async (count: number) => {
        for (let sent = 0; sent < count; sent += 20) {
          const answers = await Promise.all(
            Array.from({ length: 20 }, () => exchange(server.url, 'POST', INIT, { accept: 'application/json' })),
          );
          for (const answer of answers) expect(answer.status).toBe(406);
        }
      };
      await refuse(200);
      await sleep(500);
      const before = residentMb(pid);
      await refuse(2_000);
      await sleep(1_000);
      const grown = residentMb(pid) - before;
      // Before sessions were bounded this was ~150 MB: each refused initialize kept a transport and a server.
      expect(grown).toBeLessThan(60);
      const { client } = await connect(server.url);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('expires an idle session (404, as an unknown one), keeps a connected client, and an SDK client re-initializes', async () => {
    const idleMs = 1_500;
    const server = await startHttpProcess({ ...env, EXAI_MCP_SESSION_IDLE_MS: String(idleMs) });
    try {
      // A client whose GET stream is open is not idle.
      const connected = await connect(server.url);
      // A session whose client went away without DELETE.
      const abandoned = await initialize(server.url);
      expect((await listTools(server.url, abandoned)).status).toBe(200);
      const { client: leaving, transport: leavingTransport } = await connect(server.url);
      const leftSession = leavingTransport.sessionId!;
      await leaving.close();

      await sleep(idleMs * 3);
      const expired = await listTools(server.url, abandoned);
      expect(expired.status).toBe(404);
      expect(JSON.parse(expired.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
      expect((await connected.client.listTools()).tools.length).toBeGreaterThan(0);

      // The SDK client resuming its expired session is told 404, then starts a new one.
      const resumed = await connect(server.url, leftSession);
      const error = await resumed.client.listTools().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect((error as StreamableHTTPError).code).toBe(404);
      await resumed.client.close();
      const fresh = await connect(server.url);
      expect(fresh.transport.sessionId).not.toBe(leftSession);
      expect((await fresh.client.listTools()).tools.length).toBeGreaterThan(0);
      await fresh.transport.terminateSession();
      await fresh.client.close();
      await connected.transport.terminateSession();
      await connected.client.close();
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('refuses an initialize beyond EXAI_MCP_MAX_SESSIONS with 503, Retry-After and a JSON-RPC error; a closed session frees its slot', async () => {
    const server = await startHttpProcess({ ...env, EXAI_MCP_MAX_SESSIONS: '2' });
    try {
      // Refused initializes take no slot.
      for (let index = 0; index < 5; index += 1)
        expect((await exchange(server.url, 'POST', INIT, { accept: 'application/json' })).status).toBe(406);
      const first = await initialize(server.url);
      await initialize(server.url);
      const full = await exchange(server.url, 'POST', INIT);
      expect(full.status).toBe(503);
      expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(full.body)).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32000, message: expect.stringContaining('too many open sessions') },
        id: null,
      });
      await expect(connect(server.url)).rejects.toThrow(/503|too many/);
      // Requests on open sessions are still served.
      expect((await listTools(server.url, first)).status).toBe(200);

      const closed = await exchange(server.url, 'DELETE', undefined, {
        'mcp-session-id': first,
        'mcp-protocol-version': '2025-06-18',
      });
      expect(closed.status).toBe(200);
      expect((await listTools(server.url, first)).status).toBe(404);
      const { client, transport } = await connect(server.url);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await transport.terminateSession();
      await client.close();
    } finally {
      await server.stop();
    }
  }, 120_000);
});
