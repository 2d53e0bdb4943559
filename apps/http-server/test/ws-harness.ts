import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GatewayConfigInput, loadConfig } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { openGateway } from '@exai/tools';
import { WebSocket } from 'ws';
import { buildApp } from '../src/app.js';
import { authFromSettings } from '../src/auth.js';
import type { AppDeps } from '../src/deps.js';
import { gatewayDeps, type RunningServer } from '../src/server.js';
import { hostGuardOf, readSettings } from '../src/settings.js';
import { attachWebSocket, type WebSocketHandle, type WebSocketOptions } from '../src/ws.js';
import type { ServerFrame } from '../src/ws-protocol.js';

/**
 * A real gateway on loopback for the WebSocket, tools and dashboard tests: engine over a
 * simulator (so faults and hang-ups can be scripted and seen), Fastify, the WebSocket.
 */

export const API_KEY = 'sk-test-user';
export const ADMIN_KEY = 'sk-test-admin';

export interface Harness extends Pick<RunningServer, 'url' | 'deps'> {
  wsURL: string;
  sim: Simulator;
  websocket: WebSocketHandle;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    ws?: WebSocketOptions;
    config?: Partial<GatewayConfigInput>;
    tools?: (deps: AppDeps) => AppDeps['tools'];
    simulated?: boolean;
    open?: boolean;
    host?: string;
    env?: Record<string, string>;
  } = {},
): Promise<Harness> {
  const sim = await startSimulator({ port: 0 });
  const config = loadConfig({
    env: {},
    input: {
      providers: options.simulated
        ? {}
        : {
            glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'k-glm' },
            kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'k-kimi' },
          },
      timeouts: { requestMs: 8_000, attemptMs: 3_000, firstTokenMs: 3_000, idleMs: 3_000 },
      retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 50 },
      store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-ws-')) },
      logLevel: 'silent',
      ...options.config,
    },
  });
  const gateway = await openGateway({
    config,
    ...(options.simulated === true ? { firstRun: () => startSimulator({ port: 0 }) } : {}),
  });
  const { engine, store } = gateway;
  const logger = engine.logger;
  const { settings } = readSettings({
    ...(options.open ? {} : { EXAI_API_KEYS: API_KEY, EXAI_ADMIN_KEYS: ADMIN_KEY }),
    ...options.env,
  });
  // No rate limit, whatever the settings say.
  const auth = authFromSettings(settings, { rateLimitRpm: 0, store, logger, storeHasKeys: false });
  const deps = gatewayDeps(gateway, { config, logger, auth }, { defaultMetrics: false });
  if (options.tools) deps.tools = options.tools(deps);
  const host = options.host ?? '127.0.0.1';
  const hostGuard = hostGuardOf(settings, host, auth.open);
  const app = await buildApp(deps, { settings, hostGuard });
  await app.listen({ port: 0, host });
  const socket = attachWebSocket(app.server, deps, { hostGuard, ...options.ws });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    wsURL: `ws://${host}:${port}/v1/ws`,
    sim,
    deps,
    websocket: socket,
    async close() {
      await socket.close();
      await app.close();
      await gateway.close(500);
      await sim.close();
    },
  };
}

/** A client that keeps every frame it receives and can wait for the ones it wants. */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];

  constructor(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) {
    this.socket = new WebSocket(url, options);
    this.socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** A `call_tool` frame for the chat tool. */
  callChat(requestId: string, prompt: string, model: string): void {
    this.send({ type: 'call_tool', request_id: requestId, name: 'chat', arguments: { prompt, model } });
  }

  /** A `chat` frame: one user message `content` to `model`, streamed back under `requestId`. */
  chat(requestId: string, content: string, model: string): void {
    this.send({ type: 'chat', request_id: requestId, request: { model, messages: [{ role: 'user', content }] } });
  }

  /** Waits until `predicate` holds over the frames received so far. */
  async until<T>(predicate: (frames: ServerFrame[]) => T | undefined | false, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate(this.frames);
      if (value) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames).slice(0, 2_000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  frame<K extends ServerFrame['type']>(
    type: K,
    requestId?: string,
    timeoutMs?: number,
  ): Promise<Extract<ServerFrame, { type: K }>> {
    return this.until(
      (frames) =>
        frames.find(
          (frame): frame is Extract<ServerFrame, { type: K }> =>
            frame.type === type &&
            (requestId === undefined || ('request_id' in frame && frame.request_id === requestId)),
        ),
      timeoutMs,
    );
  }

  /** The `result` or `error` frame that ends a call. */
  end(requestId: string, timeoutMs?: number): Promise<Extract<ServerFrame, { type: 'result' | 'error' }>> {
    return this.until(
      (frames) =>
        frames.find(
          (frame): frame is Extract<ServerFrame, { type: 'result' | 'error' }> =>
            (frame.type === 'result' || frame.type === 'error') && frame.request_id === requestId,
        ),
      timeoutMs,
    );
  }

  close(): void {
    this.socket.close();
  }
}

export async function connect(
  url: string,
  options: ConstructorParameters<typeof WebSocket>[2] = { headers: { authorization: `Bearer ${API_KEY}` } },
): Promise<TestClient> {
  const client = new TestClient(url, options);
  await client.opened();
  return client;
}
