import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { guardHttpServer, type HttpServerLimits } from '@exai/core';

export interface HttpServerOptions {
  /** Builds one MCP server per session. */
  createServer: () => McpServer;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 8765; 0 picks a free port. */
  port?: number;
  /** Bearer token; required when `host` is not loopback. */
  token?: string;
  /** Extra accepted `Host` header names (without port), beyond loopback names and `host`. */
  allowedHosts?: string[];
  /** Extra accepted `Origin` values, e.g. `https://app.example.com`. */
  allowedOrigins?: string[];
  /** Largest accepted request body. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Timeouts and connection limits; defaults in @exai/core's `defaultHttpServerLimits`. */
  limits?: Partial<HttpServerLimits>;
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

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

export const isLoopback = (host: string) => LOOPBACK_NAMES.includes(host) || host.startsWith('127.');

function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.split(':')[0] ?? '';
}

function jsonError(response: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
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

function sameToken(given: string, expected: string): boolean {
  const left = Buffer.from(given);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Streamable HTTP at `/mcp`: sessions, Host/Origin checks against DNS rebinding, bearer auth. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  if (!isLoopback(host) && !options.token) {
    throw new Error(`refusing to listen on ${host} without a bearer token: set EXAI_MCP_TOKEN (or bind 127.0.0.1)`);
  }
  const hosts = new Set([...LOOPBACK_NAMES, ...(isLoopback(host) || host === '0.0.0.0' || host === '::' ? [] : [host]), ...(options.allowedHosts ?? [])].map((name) => name.toLowerCase()));
  // A wildcard bind with no host list: the bearer token is the protection (a rebinding page cannot send it).
  const checkHosts = !(host === '0.0.0.0' || host === '::') || (options.allowedHosts?.length ?? 0) > 0;
  const origins = new Set((options.allowedOrigins ?? []).map((origin) => origin.toLowerCase()));
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;

  const originAllowed = (origin: string, hostHeader: string): boolean => {
    if (origins.has(origin.toLowerCase())) return true;
    try {
      const url = new URL(origin);
      const name = url.hostname.toLowerCase();
      return (url.protocol === 'http:' || url.protocol === 'https:') && (hosts.has(name) || (!checkHosts && name === hostName(hostHeader).toLowerCase()));
    } catch {
      return false;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const hostHeader = request.headers.host ?? '';
    if (checkHosts && !hosts.has(hostName(hostHeader).toLowerCase())) return jsonError(response, 403, -32000, `Forbidden: Host '${hostHeader}' is not allowed`);
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(origin, hostHeader)) return jsonError(response, 403, -32000, `Forbidden: Origin '${origin}' is not allowed`);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/mcp') return jsonError(response, 404, -32601, 'Not found: the MCP endpoint is /mcp');
    if (options.token) {
      const auth = request.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), options.token)) {
        return jsonError(response, 401, -32001, 'Unauthorized: send Authorization: Bearer <EXAI_MCP_TOKEN>', { 'www-authenticate': 'Bearer' });
      }
    }
    let body: unknown;
    if (request.method === 'POST') {
      try {
        body = await readJson(request, maxBody);
      } catch (error) {
        // The rest of a too-large body is never read: close the connection rather than leave it stuck until keep-alive ends.
        if (error instanceof RangeError) return jsonError(response, 413, -32700, 'Request body too large', { connection: 'close' });
        return jsonError(response, 400, -32700, 'Parse error: body is not JSON');
      }
    }
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = sessions.get(sessionId);
      if (!transport) return jsonError(response, 404, -32001, 'Session not found: initialize a new session');
      return transport.handleRequest(request, response, body);
    }
    if (request.method === 'POST' && (Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body))) {
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
        },
      });
      const server = options.createServer();
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
        server.close().catch(() => undefined);
      };
      await server.connect(transport);
      return transport.handleRequest(request, response, body);
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
  guardHttpServer(server, { ...(options.limits ? { limits: options.limits } : {}), errorBody: (answer) => ({ jsonrpc: '2.0', error: { code: -32600, message: answer.message }, id: null }) });
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
      await Promise.all([...sessions.values()].map((transport) => transport.close().catch(() => undefined)));
      sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
