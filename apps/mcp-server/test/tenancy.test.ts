import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continuationOf, simulatorEnvironment, type TextResult, textOf } from './helpers.js';
import { startHttpProcess } from './http-process.js';

/**
 * `exai-mcp --http` with two tokens (EXAI_MCP_TOKENS) and an admin token: each token is a tenant.
 * B never lists, shows, continues or deletes A's threads, nor lists, reuses or deletes A's
 * provider uploads, nor sees A's tasks; the answers about A's ids are the answers about unknown ids;
 * the admin sees both.
 */

const A = `mcp-a-${Math.random().toString(36).slice(2)}`;
const B = `mcp-b-${Math.random().toString(36).slice(2)}`;
const ADMIN = `mcp-admin-${Math.random().toString(36).slice(2)}`;
const UNKNOWN = 'thr_000000000000000000000000';

let cleanup: () => Promise<void>;
let server: Awaited<ReturnType<typeof startHttpProcess>>;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  const environment = await simulatorEnvironment();
  cleanup = environment.cleanup;
  // Sessions on: a session id of another tenant is part of what is tested.
  server = await startHttpProcess(
    { ...environment.env, EXAI_MCP_SESSIONS: '1', EXAI_MCP_TOKENS: `${A},${B}`, EXAI_MCP_ADMIN_TOKENS: ADMIN },
    ['--profile', 'full'],
  );
}, 60_000);
afterAll(async () => {
  await Promise.all(open.map((client) => client.close().catch(() => undefined)));
  await server?.stop();
  await cleanup?.();
});

async function connect(token: string) {
  const client = new Client({ name: 'exai-tenancy-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  open.push(client);
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as TextResult;
  return { client, transport, call };
}

const same = (foreign: TextResult, foreignId: string, unknown: TextResult, unknownId: string) => {
  expect(foreign.isError).toBe(true);
  expect(textOf(foreign).replaceAll(foreignId, 'ID')).toBe(textOf(unknown).replaceAll(unknownId, 'ID'));
};

describe('exai-mcp --http: one tenant per token', () => {
  it("B cannot list, show, continue or delete A's thread, nor use A's session; the admin token sees both", async () => {
    const a = await connect(A);
    const b = await connect(B);
    const started = await a.call('chat', { prompt: 'the mcp secret is walnut', model: 'glm-4.6' });
    const id = String(continuationOf(started));
    expect(id).toMatch(/^thr_/);
    const bobs = String(continuationOf(await b.call('chat', { prompt: 'my own', model: 'glm-4.6' })));

    const listed = textOf(await b.call('threads', { action: 'list' }));
    expect(listed).toContain(bobs);
    expect(listed).not.toContain(id);
    for (const action of ['show', 'delete']) {
      same(
        await b.call('threads', { action, continuation_id: id }),
        id,
        await b.call('threads', { action, continuation_id: UNKNOWN }),
        UNKNOWN,
      );
    }
    same(
      await b.call('chat', { prompt: 'what was the secret?', model: 'glm-4.6', continuation_id: id }),
      id,
      await b.call('chat', { prompt: 'what was the secret?', model: 'glm-4.6', continuation_id: UNKNOWN }),
      UNKNOWN,
    );

    // A's session id with B's token is an unknown session.
    const hijack = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${B}`,
        'mcp-session-id': String(a.transport.sessionId),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'threads', arguments: { action: 'list' } },
      }),
    });
    expect(hijack.status).toBe(404);
    expect(await hijack.text()).not.toContain(id);

    expect(textOf(await a.call('threads', { action: 'show', continuation_id: id }))).toContain('walnut');
    const admin = await connect(ADMIN);
    const all = textOf(await admin.call('threads', { action: 'list', limit: 100 }));
    expect(all).toMatch(new RegExp(`${id} owner:mcp:[0-9a-f]{16}`));
    expect(all).toMatch(new RegExp(`${bobs} owner:mcp:[0-9a-f]{16}`));
    expect(all).not.toContain(A);
  });

  it("provider uploads: B neither reuses, lists nor deletes A's upload; the admin lists both", async () => {
    const a = await connect(A);
    const b = await connect(B);
    const first = await a.call('file_query', { prompt: 'name?', files: ['package.json'] });
    expect(first.isError, textOf(first)).toBeFalsy();
    // A listing line reads `<provider> <provider file id> <filename> sha256:...`.
    const fileId =
      textOf(await a.call('files', { action: 'list' }))
        .split('\n')[0]
        ?.split(' ')[1] ?? '';
    expect(fileId).toMatch(/\S/);
    const second = await b.call('file_query', { prompt: 'name?', files: ['package.json'] });
    expect(second.isError, textOf(second)).toBeFalsy();

    const bobsList = textOf(await b.call('files', { action: 'list' }));
    expect(bobsList).not.toContain(fileId);
    same(
      await b.call('files', { action: 'delete', file_id: fileId, provider: 'kimi' }),
      fileId,
      await b.call('files', { action: 'delete', file_id: 'nope', provider: 'kimi' }),
      'nope',
    );
    expect(textOf(await a.call('files', { action: 'list' }))).toContain(fileId);

    const admin = await connect(ADMIN);
    const all = textOf(await admin.call('files', { action: 'list' }));
    expect(all).toContain(`${fileId} owner:mcp:`);
    expect(all.split('\n').filter((line) => line.includes('owner:mcp:'))).toHaveLength(2);
  });

  it("tasks over HTTP: A's consensus task completes with its result; B neither gets, lists nor cancels it", async () => {
    const a = await connect(A);
    const b = await connect(B);
    const stream = a.client.experimental.tasks.callToolStream(
      { name: 'consensus', arguments: { prompt: 'Adopt SQLite?', roles: ['architect', 'validator'] } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    );
    let taskId = '';
    let final: TextResult | undefined;
    for await (const message of stream) {
      if (message.type === 'taskCreated') taskId = message.task.taskId;
      if (message.type === 'result') final = message.result as TextResult;
      if (message.type === 'error') throw message.error;
    }
    expect(final?.structuredContent).toMatchObject({ responses: [{ ok: true }, { ok: true }] });
    expect(await a.client.experimental.tasks.getTask(taskId)).toMatchObject({ status: 'completed' });
    await expect(b.client.experimental.tasks.getTask(taskId)).rejects.toThrow(/not found/i);
    await expect(b.client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/not found/i);
    expect((await b.client.experimental.tasks.listTasks()).tasks).toEqual([]);
    expect(await a.client.experimental.tasks.getTask(taskId)).toMatchObject({ status: 'completed' });
  });

  it('a token outside the list is refused', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: 'Bearer not-a-token',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(response.status).toBe(401);
  });
});
