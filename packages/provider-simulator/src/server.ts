import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJsonObject } from './chat.js';
import { basePaths, dialects, glmCodingPlanPath, routeDialect } from './dialects/index.js';
import type { Exchange } from './exchange.js';
import { readBody, sendJson } from './http-util.js';
import { route } from './routes.js';
import { SimulatorState } from './state.js';
import type { Attempt, Dialect, Simulator, SimulatorOptions } from './types.js';

function copyAttempts(attempts: readonly Attempt[]): Attempt[] {
  return attempts.map((attempt) => ({ ...attempt }));
}

async function control(state: SimulatorState, request: IncomingMessage, response: ServerResponse, path: string) {
  const method = request.method ?? 'GET';
  if (path === '/_sim/attempts' && method === 'GET') return sendJson(response, 200, state.attempts);
  if (path === '/_sim/reset' && method === 'POST') {
    await readBody(request);
    state.reset();
    return sendJson(response, 200, { ok: true });
  }
  if (path === '/_sim/script' && method === 'POST') {
    const body = parseJsonObject(await readBody(request));
    const model = body?.model;
    const scenario = body?.scenario;
    if (typeof model !== 'string' || (scenario !== null && typeof scenario !== 'string')) {
      return sendJson(response, 400, { error: { message: 'Expected {"model": string, "scenario": string | null}' } });
    }
    if (scenario === null || scenario === '') state.scripts.delete(model);
    else state.scripts.set(model, scenario);
    return sendJson(response, 200, { ok: true, scripts: Object.fromEntries(state.scripts) });
  }
  if (path === '/_sim/health' && method === 'GET') return sendJson(response, 200, { ok: true });
  sendJson(response, 404, { error: { message: `Unknown control endpoint: ${method} ${path}` } });
}

function track(exchange: Exchange, started: number): void {
  const { response, attempt } = exchange;
  response.once('close', () => {
    attempt.durationMs = Math.round((performance.now() - started) * 100) / 100;
    attempt.status = response.headersSent ? response.statusCode : null;
    attempt.clientHungUp = !response.writableFinished && !exchange.serverClosed;
  });
}

function handler(state: SimulatorState) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url ?? '/';
    const question = url.indexOf('?');
    const path = question < 0 ? url : url.slice(0, question);
    if (path.startsWith('/_sim/')) {
      control(state, request, response, path).catch(() => response.destroy());
      return;
    }
    const started = performance.now();
    const target = routeDialect(path);
    const spec = dialects[target?.dialect ?? 'openai'];
    const attempt = state.begin(target?.dialect ?? null, request.method ?? 'GET', path);
    const exchange: Exchange = { request, response, attempt, spec, state, serverClosed: false };
    track(exchange, started);
    if (!target) {
      sendJson(response, 404, spec.error('not_found', `Unknown path: ${path}`));
      return;
    }
    route(exchange, target.rest).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      sendJson(response, 500, spec.error('server', `Simulator failure: ${String(error)}`));
    });
  };
}

/** Starts the simulator on loopback (port 0 by default) and resolves once it listens. */
export function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimulatorState(options.maxAttempts ?? 100_000);
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, handler(state));
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // `exclusive`: in a cluster worker (exai-http --workers N, first-run mode) each worker's simulator keeps
    // its own port and state instead of sharing one socket through the primary.
    server.listen({ port: options.port ?? 0, host, exclusive: true }, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => {
        closing ??= new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        return closing;
      };
      options.signal?.addEventListener('abort', () => void close(), { once: true });
      const simulator: Simulator = {
        url,
        port,
        baseURL(dialect: Dialect, baseOptions?: { codingPlan?: boolean }) {
          if (dialect === 'glm' && baseOptions?.codingPlan) return `${url}${glmCodingPlanPath}`;
          return `${url}${basePaths[dialect]}`;
        },
        get log() {
          return state.attempts;
        },
        attempts: () => Promise.resolve(copyAttempts(state.attempts)),
        reset: () => state.reset(),
        script(model: string, scenario: string | null) {
          if (scenario === null || scenario === '') state.scripts.delete(model);
          else state.scripts.set(model, scenario);
        },
        close,
      };
      resolve(simulator);
    });
  });
}
