import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHostGuard, guardHttpServer, type HttpServerLimits, isLoopback, registerSecret } from '@exai/core';
import { localOwner, type OwnerScope } from '@exai/engine';
import { createMemoryEventLog, type EventLog } from '@exai/store';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { replayElsewhere } from './event-store.js';
import { SessionTable, serveStateless } from './sessions.js';

export interface HttpServerOptions {
  /** Builds one MCP server per session, for the tenant of the token that initialized it. */
  createServer: (scope: OwnerScope) => McpServer;
  /**
   * 2025-era clients get sessions (`Mcp-Session-Id`, GET streams, resumable SSE) held by this
   * instance. Default false: stateless, every request answered by a fresh server, so any instance
   * behind a load balancer answers any request.
   */
  sessions?: boolean;
  /**
   * The 2026-07-28 endpoint (SDK v2, `modern.ts`), stateless: a request the SDK classifies as
   * modern goes here with its tenant. Without it, 2026-07-28 requests are refused as 2025 ones.
   */
  modern?: {
    isLegacy: (request: Request, body: unknown) => Promise<boolean>;
    fetch: (request: Request, scope: OwnerScope) => Promise<Response>;
  };
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 8765; 0 picks a free port. */
  port?: number;
  /** Bearer token; required when `host` is not loopback (this or `tokens`). */
  token?: string;
  /** More bearer tokens (`EXAI_MCP_TOKENS`): each token is its own tenant (threads, uploads). */
  tokens?: string[];
  /** Admin tokens (`EXAI_MCP_ADMIN_TOKENS`): see every tenant's threads and uploads, owner shown. */
  adminTokens?: string[];
  /** Extra accepted `Host` header names (without port), beyond loopback names and `host`. */
  allowedHosts?: string[];
  /** Extra accepted `Origin` values, e.g. `https://app.example.com`. */
  allowedOrigins?: string[];
  /** Largest accepted request body. Default 4 MiB. */
  maxBodyBytes?: number;
  /** A session with no request in flight is closed after this long; its id then answers 404. Default 30 minutes. */
  sessionIdleMs?: number;
  /** Open sessions at most; an initialize beyond them gets 503 with `Retry-After`. Default 1000. */
  maxSessions?: number;
  /** Timeouts and connection limits; defaults in @exai/core's `defaultHttpServerLimits`. */
  limits?: Partial<HttpServerLimits>;
  /** SSE events for `Last-Event-ID` (`createEventLog` of @exai/store; Redis: any instance replays). Default memory. */
  events?: EventLog;
  log?: (message: string) => void;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  server: Server;
  /** Open sessions. */
  sessions(): number;
  close(): Promise<void>;
}

export { isLoopback };

function jsonError(
  response: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  response
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The request as a web `Request` (the SDK v2 face); aborted when the client goes away. */
function webRequestOf(request: IncomingMessage, body: unknown, response?: ServerResponse): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const controller = new AbortController();
  response?.once('close', () => controller.abort());
  return new Request(`http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`, {
    method: request.method ?? 'POST',
    headers,
    signal: controller.signal,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** Writes a web `Response` (JSON or an SSE stream) to the Node response. */
async function sendWebResponse(answer: Response, response: ServerResponse): Promise<void> {
  response.writeHead(answer.status, Object.fromEntries(answer.headers));
  if (answer.body) {
    for await (const chunk of answer.body) {
      if (response.destroyed) break;
      response.write(chunk);
    }
  }
  response.end();
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * The tenant of a token: `mcp:` and a prefix of its SHA-256, never the token itself. Without any
 * token configured every client is the one local tenant (the same as stdio).
 */
export function tokenOwner(token: string): string {
  return `mcp:${digest(token).toString('hex').slice(0, 16)}`;
}

/** Compares against every token (equal-length digests, constant time) and returns the match's tenant. */
function tenantOf(given: string, tokens: Array<{ digest: Buffer; scope: OwnerScope }>): OwnerScope | undefined {
  const candidate = digest(given);
  let found: OwnerScope | undefined;
  for (const token of tokens) if (timingSafeEqual(candidate, token.digest) && !found) found = token.scope;
  return found;
}

/** Streamable HTTP at `/mcp`: sessions, Host/Origin checks against DNS rebinding, bearer auth. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const tokens = [
    ...[...(options.token ? [options.token] : []), ...(options.tokens ?? [])].map((token) => ({
      digest: digest(token),
      scope: { owner: tokenOwner(token) } as OwnerScope,
    })),
    ...(options.adminTokens ?? []).map((token) => ({
      digest: digest(token),
      scope: { owner: tokenOwner(token), admin: true } as OwnerScope,
    })),
  ];
  // Never written to a log, wherever they would appear.
  for (const token of [options.token, ...(options.tokens ?? []), ...(options.adminTokens ?? [])]) registerSecret(token);
  if (!isLoopback(host) && tokens.length === 0) {
    throw new Error(`refusing to listen on ${host} without a bearer token: set EXAI_MCP_TOKEN (or bind 127.0.0.1)`);
  }
  // A wildcard bind with no host list: the bearer token is the protection (a rebinding page cannot send it).
  const guard = createHostGuard({
    bindHost: host,
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  const sessions = new SessionTable({
    idleMs: options.sessionIdleMs ?? 30 * 60_000,
    maxSessions: options.maxSessions ?? 1000,
    events: options.events ?? createMemoryEventLog(),
  });
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const hostHeader = request.headers.host ?? '';
    if (!guard.hostAllowed(hostHeader))
      return jsonError(response, 403, -32000, `Forbidden: Host '${hostHeader}' is not allowed`);
    const origin = request.headers.origin;
    if (origin !== undefined && !guard.originAllowed(origin, hostHeader))
      return jsonError(response, 403, -32000, `Forbidden: Origin '${origin}' is not allowed`);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/mcp') return jsonError(response, 404, -32601, 'Not found: the MCP endpoint is /mcp');
    let scope: OwnerScope = { owner: localOwner };
    if (tokens.length > 0) {
      const auth = request.headers.authorization ?? '';
      const tenant = auth.startsWith('Bearer ') ? tenantOf(auth.slice(7), tokens) : undefined;
      if (!tenant) {
        return jsonError(response, 401, -32001, 'Unauthorized: send Authorization: Bearer <EXAI_MCP_TOKEN>', {
          'www-authenticate': 'Bearer',
        });
      }
      scope = tenant;
    }
    let body: unknown;
    if (request.method === 'POST') {
      try {
        body = await readJson(request, maxBody);
      } catch (error) {
        // The rest of a too-large body is never read: close the connection rather than leave it
        // stuck until keep-alive ends.
        if (error instanceof RangeError)
          return jsonError(response, 413, -32700, 'Request body too large', { connection: 'close' });
        return jsonError(response, 400, -32700, 'Parse error: body is not JSON');
      }
    }
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      // Another tenant's session id answers as an unknown one.
      if (!(await sessions.handle(sessionId, scope.owner, request, response, body))) {
        // A resume of a stream another instance served: its events, when the shared log has them.
        if (options.events && (await replayElsewhere(options.events, scope.owner, request, response))) return;
        return jsonError(response, 404, -32001, 'Session not found: initialize a new session');
      }
      return;
    }
    const initialize =
      request.method === 'POST' &&
      (Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body));
    if (!initialize && request.method === 'POST' && options.modern) {
      const web = webRequestOf(request, body);
      if (!(await options.modern.isLegacy(web, body))) {
        return sendWebResponse(await options.modern.fetch(webRequestOf(request, body, response), scope), response);
      }
    }
    if (!options.sessions) {
      // Stateless: no stream to GET and no session to DELETE, which the spec answers with a 405.
      if (request.method !== 'POST') {
        const hint =
          'Method Not Allowed: this server is stateless, POST each JSON-RPC request (sessions: EXAI_MCP_SESSIONS=1)';
        return jsonError(response, 405, -32000, hint, { allow: 'POST' });
      }
      // Stateless 2025: a fresh server per request (initialize included), nothing kept between them.
      return serveStateless(() => options.createServer(scope), request, response, body);
    }
    if (initialize) {
      if (sessions.isFull()) {
        const retryAfter = sessions.retryAfterSeconds();
        return jsonError(
          response,
          503,
          -32000,
          `Service Unavailable: too many open sessions, retry in ${retryAfter} s`,
          { 'retry-after': String(retryAfter) },
        );
      }
      return sessions.open(() => options.createServer(scope), scope.owner, request, response, body);
    }
    return jsonError(response, 400, -32000, 'Bad Request: missing Mcp-Session-Id header (send initialize first)');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`mcp http: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) jsonError(response, 500, -32603, 'Internal error');
      else response.end();
    });
  });
  // Every socket gets an error listener at accept; bad HTTP gets a JSON-RPC-shaped 400/408/431.
  guardHttpServer(server, {
    ...(options.limits ? { limits: options.limits } : {}),
    errorBody: (answer) => ({ jsonrpc: '2.0', error: { code: -32600, message: answer.message }, id: null }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8765, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/mcp`,
    port,
    server,
    sessions: () => sessions.size,
    async close() {
      await sessions.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
