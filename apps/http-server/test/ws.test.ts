import { createToolRegistry } from '@exai/tools';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { API_KEY, connect, type Harness, startHarness, TestClient } from './ws-harness.js';

/** The WebSocket contract: concurrent calls by request_id, cancel, frame limits, auth, malformed frames, chat streams. */

const GLM = 'glm-4.6';
const KIMI = 'kimi-k2-0905-preview';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    tools: (deps) => createToolRegistry({ engine: deps.engine, store: deps.store, env: {} }),
    ws: { maxConcurrentCalls: 24 },
  });
});
afterAll(async () => {
  await harness?.close();
});

/** `model` scripted with `scenario` while `run` talks on a fresh, welcomed socket; then both undone. */
async function onScriptedSocket(model: string, scenario: string, run: (client: TestClient) => Promise<void>) {
  harness.sim.script(model, scenario);
  const client = await connect(harness.wsURL);
  try {
    await client.frame('welcome');
    await run(client);
  } finally {
    client.close();
    harness.sim.script(model, null);
  }
}

describe('calls on one socket', () => {
  it('answers 20 concurrent call_tool frames, each under its own request_id', async () => {
    await onScriptedSocket('glm-4.6', 'latency?ms=40', async (client) => {
      const ids = Array.from({ length: 20 }, (_, index) => `call-${index}`);
      for (const id of ids) client.callChat(id, `question number ${id}`, GLM);
      const ends = await Promise.all(ids.map((id) => client.end(id, 15_000)));
      for (const [index, end] of ends.entries()) {
        expect(end.type, JSON.stringify(end)).toBe('result');
        if (end.type !== 'result') continue;
        expect(end.is_error).toBe(false);
        // The simulator echoes the prompt: each answer is the one for its own question.
        expect(end.content).toContain(`question number call-${index}`);
        expect(end.meta).toMatchObject({ provider: 'glm' });
      }
      // Exactly one terminal frame per call.
      const terminal = client.frames.filter((frame) => frame.type === 'result' || frame.type === 'error');
      expect(terminal).toHaveLength(20);
      // They ran at once upstream, not one after another: many arrived before the first finished.
      const upstream = harness.sim.log.filter((attempt) => attempt.model === GLM);
      const firstDone = Math.min(...upstream.map((attempt) => attempt.arrivedAt + (attempt.durationMs ?? 0)));
      expect(upstream.filter((attempt) => attempt.arrivedAt < firstDone).length).toBeGreaterThanOrEqual(10);
    });
  });

  it('cancel aborts one call and its upstream request; the others finish', async () => {
    await onScriptedSocket('kimi-k2-0905-preview', 'no-response', async (client) => {
      client.callChat('hang', 'this one hangs', KIMI);
      client.callChat('fine', 'this one answers', GLM);
      await vi.waitFor(
        () => expect(harness.sim.log.some((attempt) => attempt.model === 'kimi-k2-0905-preview')).toBe(true),
        { timeout: 5_000 },
      );
      client.send({ type: 'cancel', request_id: 'hang' });
      const cancelled = await client.end('hang');
      expect(cancelled).toMatchObject({ type: 'error', request_id: 'hang', error: { code: 'cancelled' } });
      expect(await client.end('fine')).toMatchObject({ type: 'result', is_error: false });
      const upstream = harness.sim.log.filter((attempt) => attempt.model === 'kimi-k2-0905-preview');
      await vi.waitFor(() => expect(upstream.every((attempt) => attempt.durationMs !== null)).toBe(true), {
        timeout: 5_000,
      });
      expect(upstream.some((attempt) => attempt.clientHungUp)).toBe(true);
      // Cancelling something not in flight is an error frame, not a crash.
      client.send({ type: 'cancel', request_id: 'hang' });
      const second = await client.until(
        (frames) => frames.filter((frame) => frame.type === 'error' && frame.request_id === 'hang')[1],
      );
      expect(second).toMatchObject({ type: 'error', error: { code: 'not_found' } });
    });
  });

  it('refuses calls past the per-socket limit with queue_full, and a reused request_id', async () => {
    await onScriptedSocket('glm-4.6', 'latency?ms=300', async (client) => {
      for (let index = 0; index < 25; index += 1) client.callChat(`n${index}`, 'x', GLM);
      client.callChat('n0', 'x', GLM);
      const refused = await client.end('n24');
      expect(refused).toMatchObject({ type: 'error', error: { code: 'queue_full' } });
      expect(
        await client.until((frames) => frames.find((frame) => frame.type === 'error' && frame.request_id === 'n0')),
      ).toMatchObject({ error: { param: 'request_id' } });
      expect(await client.end('n23', 10_000)).toMatchObject({ type: 'result' });
    });
  });

  it('lists tools and rejects unknown tools and bad arguments naming the field', async () => {
    const client = await connect(harness.wsURL);
    client.send({ type: 'list_tools', request_id: 'l' });
    const tools = await client.frame('tools', 'l');
    const chat = tools.tools.find((tool) => tool.name === 'chat');
    expect(chat?.input_schema).toMatchObject({ type: 'object', properties: { prompt: expect.any(Object) } });
    client.send({ type: 'call_tool', request_id: 'u', name: 'no-such-tool', arguments: {} });
    expect(await client.end('u')).toMatchObject({ type: 'error', error: { code: 'not_found', param: 'name' } });
    client.send({ type: 'call_tool', request_id: 'b', name: 'chat', arguments: { prompt: 42 } });
    const bad = await client.end('b');
    expect(bad).toMatchObject({ type: 'error', error: { code: 'bad_request', param: 'arguments.prompt' } });
    client.close();
  });
});

describe('chat streaming', () => {
  it('streams chunk frames then one result with the whole answer', async () => {
    const client = await connect(harness.wsURL);
    client.chat('s', 'stream me a story', GLM);
    const end = await client.end('s');
    const chunks = client.frames.filter((frame) => frame.type === 'chunk' && frame.request_id === 's');
    expect(chunks.length).toBeGreaterThan(1);
    expect(end.type).toBe('result');
    if (end.type === 'result') {
      expect(end.content).toBe(chunks.map((chunk) => (chunk.type === 'chunk' ? chunk.delta : '')).join(''));
      expect(end.content).toContain('stream me a story');
      expect(end.meta).toMatchObject({ provider: 'glm', model: 'glm-4.6' });
    }
    // WebSocket calls show up in the app's metrics (and so on the dashboard) like HTTP requests.
    expect(
      harness.deps.metrics.recent
        .toArray()
        .some((request) => request.route === '/v1/ws' && request.provider === 'glm' && request.status === 200),
    ).toBe(true);
    client.close();
  });

  it('ends a stream cut after content with an error frame, never a result', async () => {
    harness.sim.script('glm-4.6', 'stream-cut?after=2');
    const client = await connect(harness.wsURL);
    client.chat('cut', 'cut me off', GLM);
    const end = await client.end('cut');
    expect(end).toMatchObject({ type: 'error', error: { code: 'stream_interrupted' } });
    expect(client.frames.some((frame) => frame.type === 'chunk' && frame.request_id === 'cut')).toBe(true);
    expect(client.frames.some((frame) => frame.type === 'result')).toBe(false);
    client.close();
    harness.sim.script('glm-4.6', null);
  });
});

describe('a rescued stream', () => {
  it('a stream cut after content and continued by a listed fallback is one result naming the seam', async () => {
    harness.sim.script('glm-4.6', 'stream-cut?chars=20');
    const client = await connect(harness.wsURL);
    client.send({
      type: 'chat',
      request_id: 'saved',
      request: {
        model: GLM,
        models: ['kimi/kimi-k2-0905-preview'],
        messages: [{ role: 'user', content: 'finish me' }],
      },
    });
    const end = await client.end('saved');
    expect(end.type).toBe('result');
    if (end.type === 'result') {
      expect(end.content).toBe('Simulated answer to: finish me');
      expect(end.meta?.resumed).toEqual([
        { provider: 'kimi', model: 'kimi-k2-0905-preview', at_char: 'Simulated answer to:'.length },
      ]);
    }
    client.close();
    harness.sim.script('glm-4.6', null);
  });
});

describe('frames and limits', () => {
  it('answers malformed frames with error frames and keeps the socket open', async () => {
    const client = await connect(harness.wsURL);
    client.send('{not json');
    client.send('[1,2]');
    client.send({ type: 'launch_missiles', request_id: 'm' });
    client.send({ type: 'call_tool', request_id: 'x' });
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    const errors = await client.until((frames) => {
      const found = frames.filter((frame) => frame.type === 'error');
      return found.length >= 5 && found;
    });
    const messages = errors.map((frame) => (frame.type === 'error' ? frame.error.message : ''));
    expect(messages[0]).toMatch(/not valid JSON/);
    expect(messages[1]).toMatch(/JSON object/);
    expect(messages[2]).toMatch(/unknown frame type "launch_missiles"/);
    expect(errors[2]).toMatchObject({ request_id: 'm' });
    expect(messages[3]).toMatch(/invalid call_tool frame: name/);
    expect(messages[4]).toMatch(/binary frames/);
    client.send({ type: 'ping', data: 'still there?' });
    expect(await client.frame('pong')).toEqual({ type: 'pong', data: 'still there?' });
    client.close();
  });

  it('closes the socket with 1009 and a reason on a frame over 1 MiB', async () => {
    const client = await connect(harness.wsURL);
    client.send({ type: 'ping', data: 'x'.repeat(1024 * 1024 + 10) });
    const closed = await client.closed;
    expect(closed.code).toBe(1009);
    expect(closed.reason).toMatch(/larger than 1048576 bytes/);
  });
});

describe('authentication', () => {
  it('refuses the upgrade with 401 for a wrong key in the Authorization header', async () => {
    const socket = new WebSocket(harness.wsURL, { headers: { authorization: 'Bearer wrong' } });
    const status = await new Promise<number>((resolve) =>
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
    );
    expect(status).toBe(401);
    socket.on('error', () => {});
    socket.terminate();
  });

  it('answers calls before hello with an auth error, then accepts hello with the key', async () => {
    const client = await connect(harness.wsURL, {});
    client.callChat('early', 'hi', GLM);
    expect(await client.end('early')).toMatchObject({ type: 'error', error: { code: 'auth' } });
    client.send({ type: 'hello', api_key: API_KEY });
    expect((await client.frame('welcome')).limits.max_frame_bytes).toBe(1024 * 1024);
    client.callChat('late', 'hi', GLM);
    expect(await client.end('late')).toMatchObject({ type: 'result', is_error: false });
    client.close();
  });

  it('closes with 4401 after a hello with a wrong key', async () => {
    const client = await connect(harness.wsURL, {});
    client.send({ type: 'hello', api_key: 'wrong' });
    expect(await client.frame('error')).toMatchObject({ error: { type: 'authentication_error' } });
    expect(await client.closed).toEqual({ code: 4401, reason: 'authentication failed' });
  });

  it('refuses a cross-origin browser page', async () => {
    const socket = new WebSocket(harness.wsURL, {
      headers: { authorization: `Bearer ${API_KEY}`, origin: 'http://evil.example' },
    });
    const status = await new Promise<number>((resolve) =>
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
    );
    expect(status).toBe(403);
    socket.on('error', () => {});
    socket.terminate();
  });
});

describe('liveness', () => {
  it('drops a peer that does not answer pings, closes idle sockets and a socket without hello', async () => {
    const quick = await startHarness({ ws: { heartbeatMs: 100, idleTimeoutMs: 1_500, helloTimeoutMs: 300 } });
    try {
      const deaf = await connect(quick.wsURL, { headers: { authorization: `Bearer ${API_KEY}` }, autoPong: false });
      const idle = await connect(quick.wsURL);
      const silent = await connect(quick.wsURL, {});
      const busy = await connect(quick.wsURL);
      const keepBusy = setInterval(() => busy.send({ type: 'ping' }), 50);
      const [deafClosed, idleClosed, silentClosed] = await Promise.all([deaf.closed, idle.closed, silent.closed]);
      clearInterval(keepBusy);
      expect(deafClosed.code).toBe(1006); // terminated: no close frame
      expect(idleClosed).toEqual({ code: 4408, reason: 'idle timeout' });
      expect(silentClosed).toEqual({ code: 4401, reason: 'no hello before the deadline' });
      expect(busy.socket.readyState).toBe(WebSocket.OPEN);
      busy.close();
    } finally {
      await quick.close();
    }
  });

  it('lets running calls finish within the grace period on shutdown, refusing new ones', async () => {
    const quick = await startHarness();
    try {
      quick.sim.script(GLM, 'latency?ms=400');
      const client = await connect(quick.wsURL);
      client.chat('draining', 'finish me', GLM);
      await vi.waitFor(() => expect(quick.sim.log.length).toBeGreaterThan(0));
      const closing = quick.websocket.close(3_000);
      client.chat('late', 'too late', GLM);
      expect(await client.end('late')).toMatchObject({ type: 'error', error: { code: 'overloaded' } });
      expect(await client.end('draining')).toMatchObject({
        type: 'result',
        content: expect.stringContaining('finish me'),
      });
      await closing;
      expect((await client.closed).code).toBe(1001);
    } finally {
      await quick.close();
    }
  });

  it('closes sockets with 1001 when the server shuts down', async () => {
    const quick = await startHarness();
    const client = new TestClient(quick.wsURL, { headers: { authorization: `Bearer ${API_KEY}` } });
    await client.opened();
    await quick.close();
    expect((await client.closed).code).toBe(1001);
  });
});
