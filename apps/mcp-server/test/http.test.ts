import { spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, continuationOf, type TextResult, textOf, tokensOf, useSimulatorEnvironment } from './helpers.js';
import { startHttpProcess } from './http-process.js';
import { exchange, INIT } from './raw-http.js';

// Sessions (opt-in since 2026-07-28 serving made HTTP stateless by default): what these tests are about.
const suite = useSimulatorEnvironment({ EXAI_MCP_SESSIONS: '1' });
let server: Awaited<ReturnType<typeof startHttpProcess>>;

/** A raw POST with chosen headers (Host included), for what the SDK client would never send. */
const post = (url: string, body: unknown, headers: Record<string, string> = {}) => exchange(url, 'POST', body, headers);

async function connect(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'exai-http-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

beforeAll(async () => {
  server = await startHttpProcess(suite.env);
});
afterAll(async () => {
  await server?.stop();
});

describe('exai-mcp --http (Streamable HTTP)', () => {
  it('initializes a session, lists tools within budget, calls tools with progress, and cancels upstream', async () => {
    const { client, transport } = await connect(server.url);
    try {
      expect(transport.sessionId).toMatch(/\S/);
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(14);
      expect(tokensOf(tools)).toBeLessThan(5_000);
      const progress: number[] = [];
      const answer = (await client.callTool(
        { name: 'consensus', arguments: { prompt: 'Ship it?', roles: ['architect', 'validator'], deadline_s: 30 } },
        undefined,
        {
          onprogress: (update) => progress.push(update.progress),
        },
      )) as TextResult;
      expect(answer.isError, textOf(answer)).toBeFalsy();
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(continuationOf(answer)).toMatch(/^thr_/);
      const bad = (await client.callTool({
        name: 'consensus',
        arguments: { prompt: 'x', roles: ['nobody'] },
      })) as TextResult;
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toContain("unknown role 'nobody'. Hint:");

      suite.sim.script('glm-4.6', 'no-response');
      const controller = new AbortController();
      const call = client.callTool({ name: 'chat', arguments: { prompt: 'hang', model: 'glm/glm-4.6' } }, undefined, {
        signal: controller.signal,
      });
      await vi.waitFor(() => expect(suite.sim.log.some((attempt) => attempt.scenario === 'no-response')).toBe(true), {
        timeout: 10_000,
      });
      controller.abort();
      await expect(call).rejects.toThrow();
      await vi.waitFor(
        () => expect(suite.sim.log.find((attempt) => attempt.scenario === 'no-response')?.clientHungUp).toBe(true),
        { timeout: 5_000 },
      );
      suite.sim.reset();
      const status = (await client.callTool({ name: 'status', arguments: {} })) as TextResult;
      expect(textOf(status)).toContain('Mode: live providers');
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  it('rejects DNS rebinding (Host or Origin) with 403, and a missing or unknown session with 400/404', async () => {
    expect((await post(server.url, INIT, { host: 'evil.example:80' })).status).toBe(403);
    expect((await post(server.url, INIT, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(server.url, INIT, { origin: 'http://localhost:3000' })).status).toBe(200);
    expect((await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(400);
    expect(
      (await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' }))
        .status,
    ).toBe(404);
  });

  it('answers a resume with an unknown or malformed Last-Event-ID with 400 in JSON-RPC shape, and keeps the session', async () => {
    const { client, transport } = await connect(server.url);
    try {
      for (const lastEventId of ['no-such-event', 'x'.repeat(2_000), '../../etc_passwd']) {
        const response = await fetch(server.url, {
          headers: {
            accept: 'text/event-stream',
            'mcp-session-id': transport.sessionId!,
            'mcp-protocol-version': '2025-11-25',
            'last-event-id': lastEventId,
          },
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
      }
      expect((await client.callTool({ name: 'version', arguments: {} })).isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('requires the bearer token when one is set, and refuses to bind beyond loopback without one', async () => {
    const guarded = await startHttpProcess({ ...suite.env, EXAI_MCP_TOKEN: 'sekret-token' });
    try {
      expect((await post(guarded.url, INIT)).status).toBe(401);
      expect((await post(guarded.url, INIT, { authorization: 'Bearer wrong' })).status).toBe(401);
      const { client } = await connect(guarded.url, { authorization: 'Bearer sekret-token' });
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    } finally {
      await guarded.stop();
    }
    const refused = spawnSync(process.execPath, [CLI, '--http', '--host', '0.0.0.0', '--port', '0'], {
      env: suite.env,
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('EXAI_MCP_TOKEN');
  });

  it('exits 2 naming every bad environment variable, over stdio and --http alike', () => {
    const bad = { ...suite.env, EXAI_REQUEST_TIMEOUT_MS: 'abc', EXAI_MCP_MAX_SESSIONS: '0' };
    for (const args of [[], ['--http', '--port', '0']]) {
      const refused = spawnSync(process.execPath, [CLI, ...args], { env: bad, encoding: 'utf8', timeout: 15_000 });
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stderr).toContain('EXAI_REQUEST_TIMEOUT_MS');
      expect(refused.stderr).toContain('EXAI_MCP_MAX_SESSIONS');
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
