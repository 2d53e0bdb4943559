import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Simulator, simulatorEnvironment, type TextResult, textOf } from './helpers.js';
import { startHttpProcess } from './http-process.js';

/**
 * Two exai-mcp instances (stateless HTTP, the default; one database) behind a proxy that sends each
 * request to the other instance than the last one: no request of a task's life can count on the
 * instance that started it. A 2026-07-28 client (the wire as the SDK v2 client sends it, which has
 * no task runtime of its own) and a 2025-11-25 client (SDK 1.x, experimental tasks) each run a
 * consensus task to completion; a cancel reaching the other instance still hangs up the upstreams.
 */
let sim: Simulator;
let cleanup: () => Promise<void>;
let instances: Array<Awaited<ReturnType<typeof startHttpProcess>>> = [];
let proxy: Server;
let proxyUrl: string;
const hits = [0, 0];

const participants = [{ model: 'minimax/MiniMax-M2' }, { model: 'glm/glm-4.6' }];
const TASKS = 'io.modelcontextprotocol/tasks';

beforeAll(async () => {
  let env: Record<string, string>;
  ({ sim, env, cleanup } = await simulatorEnvironment());
  instances = await Promise.all([startHttpProcess(env), startHttpProcess(env)]);
  const upstreams = instances.map((instance) => new URL(instance.url));
  let next = 0;
  proxy = createServer((request, response) => {
    const index = next++ % 2;
    hits[index]! += 1;
    const target = upstreams[index]!;
    const upstream = forward(
      { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
}, 60_000);
afterEach(() => sim.reset());
afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await Promise.all(instances.map((instance) => instance.stop()));
  await cleanup();
});

let id = 0;
/** One 2026-07-28 request: the per-request `_meta` envelope and the headers the SDK v2 client sends. */
async function modern(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const name = (params.name ?? params.taskId) as string | undefined;
  const response = await fetch(proxyUrl, {
    method: 'POST',
    headers: {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-method': method,
      'mcp-protocol-version': '2026-07-28',
      ...(name ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: ++id,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'round-robin-2026', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
        },
      },
    }),
  });
  const text = await response.text();
  const message = response.headers.get('content-type')?.includes('text/event-stream')
    ? JSON.parse(
        text
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .at(-1)!
          .slice(6),
      )
    : JSON.parse(text);
  if (message.error) throw new Error(`${method}: ${message.error.message}`);
  return message.result as Record<string, unknown>;
}

describe('two exai-mcp instances behind a round-robin proxy', () => {
  it('a 2026-07-28 client runs a consensus task to completion, its polls alternating between instances', async () => {
    sim.script('MiniMax-M2', 'slow-first-token?ms=2500');
    const before = [...hits];
    const discovered = await modern('server/discover');
    expect(JSON.stringify(discovered)).toContain(TASKS);
    const created = await modern('tools/call', {
      name: 'consensus',
      arguments: { prompt: 'Ship it?', models: participants, synthesize: false },
    });
    expect(created).toMatchObject({ resultType: 'task', status: 'working', taskId: expect.stringMatching(/\S/) });
    let task: Record<string, unknown> = created;
    const polls: string[] = [];
    while (task.status === 'working') {
      await new Promise((resolve) => setTimeout(resolve, 300));
      task = await modern('tasks/get', { taskId: created.taskId });
      polls.push(String(task.status));
    }
    expect(task.status).toBe('completed');
    expect((task.result as TextResult).structuredContent).toMatchObject({
      responses: [
        { ok: true, model: 'MiniMax-M2' },
        { ok: true, model: 'glm-4.6' },
      ],
    });
    // Several polls while the slow participant ran, spread over both instances.
    expect(polls.length).toBeGreaterThan(3);
    expect(hits[0]! - before[0]!).toBeGreaterThan(1);
    expect(hits[1]! - before[1]!).toBeGreaterThan(1);
  });

  it('a 2025-11-25 client (no session: the server is stateless) runs a consensus task to completion', async () => {
    sim.script('MiniMax-M2', 'slow-first-token?ms=2500');
    const before = [...hits];
    const client = new Client({ name: 'round-robin-2025', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(proxyUrl));
    await client.connect(transport);
    try {
      expect(transport.sessionId).toBeUndefined();
      expect(client.getServerCapabilities()?.tasks).toBeDefined();
      const seen: string[] = [];
      let final: TextResult | undefined;
      for await (const message of client.experimental.tasks.callToolStream(
        { name: 'consensus', arguments: { prompt: 'Ship it?', models: participants, synthesize: false } },
        CallToolResultSchema,
        { task: { ttl: 60_000 } },
      )) {
        seen.push(message.type);
        if (message.type === 'result') final = message.result as TextResult;
        if (message.type === 'error') throw message.error;
      }
      expect(seen[0]).toBe('taskCreated');
      expect(final?.isError, final && textOf(final)).toBeFalsy();
      expect(final?.structuredContent).toMatchObject({ responses: [{ ok: true }, { ok: true }] });
      expect(hits[0]! - before[0]!).toBeGreaterThan(1);
      expect(hits[1]! - before[1]!).toBeGreaterThan(1);
    } finally {
      await client.close();
    }
  });

  it('a cancel that reaches the other instance aborts every upstream call of the task', async () => {
    sim.script('MiniMax-M2', 'no-response');
    sim.script('glm-4.6', 'no-response');
    const created = await modern('tools/call', {
      name: 'consensus',
      arguments: { prompt: 'Wait forever', models: participants, synthesize: false },
    });
    const hanging = () => sim.log.filter((attempt) => attempt.scenario === 'no-response');
    await vi.waitFor(() => expect(hanging()).toHaveLength(2), { timeout: 10_000 });
    // The creating request went to one instance; the cancel goes to the other.
    expect(await modern('tasks/cancel', { taskId: created.taskId })).toMatchObject({ resultType: 'complete' });
    await vi.waitFor(() => expect(hanging().every((attempt) => attempt.clientHungUp)).toBe(true), {
      timeout: 10_000,
    });
    expect(await modern('tasks/get', { taskId: created.taskId })).toMatchObject({ status: 'cancelled' });
  });
});
