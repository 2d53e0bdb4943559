import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, startGateway, type TestGateway } from './helpers.js';
import { connect, type TestClient } from './ws-harness.js';

/**
 * Two keys and an admin key on the full server (tools and WebSocket included): B never sees,
 * reads, continues or deletes what A created, and every answer about A's ids is the answer about
 * an unknown id; the admin key sees both, with the owner shown.
 */

const A = `sk-tenant-a-${Math.random().toString(36).slice(2)}`;
const B = `sk-tenant-b-${Math.random().toString(36).slice(2)}`;
const ADMIN = `sk-tenant-admin-${Math.random().toString(36).slice(2)}`;
const UNKNOWN_FILE = 'file_000000000000000000000000';
const UNKNOWN_THREAD = 'thr_000000000000000000000000';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { EXAI_API_KEYS: `${A},${B}`, EXAI_ADMIN_KEYS: ADMIN } });
});
afterAll(() => gateway.close());

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const as = (key: string, path: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}${path}`, { ...init, headers: { ...auth(key), ...(init.headers ?? {}) } });
const tool = async (key: string, name: string, args: Record<string, unknown>) =>
  json(await post(`${gateway.url}/v1/tools/${name}`, args, auth(key)));

/** Status and body with the id replaced: what a caller can learn from an answer. */
async function answer(response: Response, id: string): Promise<{ status: number; body: string }> {
  return { status: response.status, body: (await response.text()).replaceAll(id, 'ID') };
}

async function upload(key: string, name: string, text: string): Promise<string> {
  const form = new FormData();
  form.append('purpose', 'assistants');
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const response = await as(key, '/v1/files', { method: 'POST', body: form });
  expect(response.status).toBe(200);
  return (await json(response)).id as string;
}

describe('tenancy over HTTP', () => {
  it("B cannot list, read, download or delete A's file; each answer is the unknown-id answer; the admin sees both with owners", async () => {
    const mine = await upload(A, 'a-secret.txt', 'A only');
    const theirs = await upload(B, 'b.txt', 'B only');

    const listed = await json(await as(B, '/v1/files'));
    expect(listed.data.map((file: { id: string }) => file.id)).toEqual([theirs]);
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/content'],
      ['DELETE', ''],
    ] as const) {
      const foreign = await answer(await as(B, `/v1/files/${mine}${suffix}`, { method }), mine);
      const unknown = await answer(await as(B, `/v1/files/${UNKNOWN_FILE}${suffix}`, { method }), UNKNOWN_FILE);
      expect(foreign.status, `${method} ${suffix}`).toBe(404);
      expect(foreign).toEqual(unknown);
    }
    // A's file survived B's delete.
    expect(await (await as(A, `/v1/files/${mine}/content`)).text()).toBe('A only');

    const all = await json(await as(ADMIN, '/v1/files'));
    const owners = Object.fromEntries(all.data.map((file: { id: string; owner: string }) => [file.id, file.owner]));
    expect(owners[mine]).toMatch(/^key:/);
    expect(owners[theirs]).toMatch(/^key:/);
    expect(owners[mine]).not.toBe(owners[theirs]);
    expect(JSON.stringify(all)).not.toContain(A);
    expect(await (await as(ADMIN, `/v1/files/${theirs}/content`)).text()).toBe('B only');
    expect(Object.keys((await json(await as(A, `/v1/files/${mine}`))) as object)).not.toContain('owner');
  });

  it("threads tool over REST: B cannot list, show, continue or delete A's thread; the admin lists both", async () => {
    const started = await tool(A, 'chat', { prompt: 'the secret word is tangerine', model: 'glm-4.6' });
    const id = started.meta.continuation_id as string;
    expect(id).toMatch(/^thr_/);
    const bobs = (await tool(B, 'chat', { prompt: 'my own thread', model: 'glm-4.6' })).meta.continuation_id as string;

    const listed = await tool(B, 'threads', { action: 'list' });
    expect(listed.content).toContain(bobs);
    expect(listed.content).not.toContain(id);
    for (const action of ['show', 'delete']) {
      const foreign = await tool(B, 'threads', { action, continuation_id: id });
      const unknown = await tool(B, 'threads', { action, continuation_id: UNKNOWN_THREAD });
      expect(foreign.isError, action).toBe(true);
      expect(foreign.content.replaceAll(id, 'ID')).toBe(unknown.content.replaceAll(UNKNOWN_THREAD, 'ID'));
    }
    const calls = gateway.sim.log.length;
    const continued = await tool(B, 'chat', { prompt: 'what was the word?', model: 'glm-4.6', continuation_id: id });
    const unknown = await tool(B, 'chat', {
      prompt: 'what was the word?',
      model: 'glm-4.6',
      continuation_id: UNKNOWN_THREAD,
    });
    expect(continued.isError).toBe(true);
    expect(continued.content.replaceAll(id, 'ID')).toBe(unknown.content.replaceAll(UNKNOWN_THREAD, 'ID'));
    // The same over the OpenAI-compatible route: 404, the same body as for an unknown id.
    const body = (thread: string) => ({
      model: 'glm-4.6',
      messages: [{ role: 'user', content: 'and now?' }],
      continuation_id: thread,
    });
    const foreignChat = await answer(await post(`${gateway.url}/v1/chat/completions`, body(id), auth(B)), id);
    const unknownChat = await answer(
      await post(`${gateway.url}/v1/chat/completions`, body(UNKNOWN_THREAD), auth(B)),
      UNKNOWN_THREAD,
    );
    expect(foreignChat.status).toBe(404);
    expect(foreignChat).toEqual(unknownChat);
    expect(gateway.sim.log.length).toBe(calls);

    const shown = await tool(A, 'threads', { action: 'show', continuation_id: id });
    expect(shown.content).toContain('tangerine');
    const all = await tool(ADMIN, 'threads', { action: 'list', limit: 100 });
    expect(all.content).toMatch(new RegExp(`${id} owner:key:`));
    expect(all.content).toMatch(new RegExp(`${bobs} owner:key:`));
    expect((await tool(ADMIN, 'threads', { action: 'show', continuation_id: bobs })).content).toContain(
      'my own thread',
    );
  });
});

describe('tenancy over the WebSocket', () => {
  const clients: TestClient[] = [];
  afterAll(() => {
    for (const client of clients) client.close();
  });
  const open = async (key: string) => {
    const client = await connect(`${gateway.url.replace(/^http/, 'ws')}/v1/ws`, { headers: auth(key) });
    clients.push(client);
    await client.frame('welcome');
    return client;
  };
  const call = async (client: TestClient, id: string, name: string, args: Record<string, unknown>) => {
    client.send({ type: 'call_tool', request_id: id, name, arguments: args });
    return client.end(id, 20_000);
  };

  it("B's socket cannot list, show, delete or continue A's thread (call_tool and chat); A's socket continues it; the admin sees it", async () => {
    const a = await open(A);
    const b = await open(B);
    const started = await call(a, 'a1', 'chat', { prompt: 'ws secret: plum', model: 'glm-4.6' });
    expect(started.type).toBe('result');
    const id = started.type === 'result' ? String(started.meta?.continuation_id) : '';
    expect(id).toMatch(/^thr_/);

    const listed = await call(b, 'b1', 'threads', { action: 'list' });
    expect(listed.type === 'result' && listed.content).not.toContain(id);
    for (const action of ['show', 'delete']) {
      const foreign = await call(b, `b-${action}`, 'threads', { action, continuation_id: id });
      const unknown = await call(b, `b-${action}-unknown`, 'threads', { action, continuation_id: UNKNOWN_THREAD });
      expect(foreign.type === 'result' && foreign.is_error).toBe(true);
      expect(foreign.type === 'result' && foreign.content.replaceAll(id, 'ID')).toBe(
        unknown.type === 'result' && unknown.content.replaceAll(UNKNOWN_THREAD, 'ID'),
      );
    }
    const chat = (client: TestClient, requestId: string, thread: string) => {
      client.send({
        type: 'chat',
        request_id: requestId,
        request: {
          model: 'glm-4.6',
          messages: [{ role: 'user', content: 'the word again?' }],
          continuation_id: thread,
        },
      });
      return client.end(requestId, 20_000);
    };
    const foreign = await chat(b, 'b-chat', id);
    const unknown = await chat(b, 'b-chat-unknown', UNKNOWN_THREAD);
    expect(foreign.type).toBe('error');
    expect(foreign.type === 'error' && foreign.error.code).toBe('not_found');
    expect(foreign.type === 'error' && foreign.error.message.replaceAll(id, 'ID')).toBe(
      unknown.type === 'error' && unknown.error.message.replaceAll(UNKNOWN_THREAD, 'ID'),
    );

    const own = await chat(a, 'a-chat', id);
    expect(own.type, JSON.stringify(own)).toBe('result');
    const shown = await call(a, 'a-show', 'threads', { action: 'show', continuation_id: id });
    expect(shown.type === 'result' && shown.content).toContain('the word again?');
    const admin = await open(ADMIN);
    const all = await call(admin, 'admin-list', 'threads', { action: 'list', limit: 100 });
    expect(all.type === 'result' && all.content).toMatch(new RegExp(`${id} owner:key:`));
  });
});
