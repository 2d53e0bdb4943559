import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as pause } from 'node:timers/promises';
import { createHostGuard, type HostGuard } from '@exai/core';
import type { OwnerScope } from '@exai/engine';
import { WebSocket, WebSocketServer } from 'ws';
import type { AppDeps } from './deps.js';
import { listTools, toolsOf } from './tools-routes.js';
import { type CallSink, runCall } from './ws-calls.js';
import {
  CLOSE_CODES,
  type ClientFrame,
  encodeServerFrame,
  parseClientFrame,
  type ServerFrame,
  type WsErrorBody,
} from './ws-protocol.js';
import { refuse } from './ws-refuse.js';

/** `/v1/ws`: tools and streaming chat over one socket. The protocol is docs/websocket-protocol.md. */

export interface WebSocketOptions {
  /** Path served. Default `/v1/ws`. */
  path?: string;
  /** Largest frame accepted; a larger one closes the socket with 1009. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Calls running at once on one socket; more get a `queue_full` error frame. Default 32. */
  maxConcurrentCalls?: number;
  /** How often the server pings; a peer that has not answered the previous ping is dropped. Default 30 s. */
  heartbeatMs?: number;
  /** A socket with no frame from the client and no call running for this long is closed (4408). Default 5 min. */
  idleTimeoutMs?: number;
  /** An unauthenticated socket must send `hello` within this time, else it is closed (4401). Default 10 s. */
  helloTimeoutMs?: number;
  /** Origins (besides the server's own host) whose browser pages may connect. Default none. */
  allowedOrigins?: string[];
  /**
   * `Host`/`Origin` allow-list (the HTTP app's). Default: loopback names and the bound address, plus `allowedOrigins`.
   */
  hostGuard?: HostGuard;
}

export interface WebSocketHandle {
  /** Open sockets. */
  readonly connections: number;
  /**
   * Stops accepting sockets and calls, lets running calls finish for up to `graceMs` (default 0),
   * cancels the rest, closes every socket with 1001 and waits for them to go.
   */
  close(graceMs?: number): Promise<void>;
}

interface Peer {
  socket: WebSocket;
  keyId: string | undefined;
  /** The tenant of the socket's key, set with `keyId`. */
  scope: OwnerScope | undefined;
  calls: Map<string, AbortController>;
  lastActivity: number;
  lastPing: number;
  awaitingPong: boolean;
  helloTimer: NodeJS.Timeout | undefined;
  remoteAddress: string | undefined;
}

const defaults = {
  path: '/v1/ws',
  maxFrameBytes: 1024 * 1024,
  maxConcurrentCalls: 32,
  heartbeatMs: 30_000,
  idleTimeoutMs: 300_000,
  helloTimeoutMs: 10_000,
};

function hasCredentials(request: IncomingMessage): boolean {
  return request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
}

function authError(message: string): WsErrorBody {
  return { message, type: 'authentication_error', code: 'auth', param: null };
}

export function attachWebSocket(server: Server, deps: AppDeps, options: WebSocketOptions = {}): WebSocketHandle {
  const settings = { ...defaults, ...options };
  const bound = (server.address() as AddressInfo | null)?.address ?? '127.0.0.1';
  const hostGuard =
    options.hostGuard ??
    createHostGuard({
      bindHost: bound,
      ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
      checkWildcard: deps.auth.open,
    });
  const peers = new Set<Peer>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: settings.maxFrameBytes, perMessageDeflate: false });
  let closing = false;

  const send = (peer: Peer, frame: ServerFrame): Promise<void> => {
    if (peer.socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    // Only wait for the socket when the peer reads slower than we write (backpressure for chunk streams).
    if (peer.socket.bufferedAmount < settings.maxFrameBytes) {
      peer.socket.send(encodeServerFrame(frame));
      return Promise.resolve();
    }
    return new Promise((resolve) => peer.socket.send(encodeServerFrame(frame), () => resolve()));
  };

  const welcome = (peer: Peer, keyId: string, scope: OwnerScope) => {
    peer.keyId = keyId;
    peer.scope = scope;
    clearTimeout(peer.helloTimer);
    peer.helloTimer = undefined;
    void send(peer, {
      type: 'welcome',
      key_id: keyId,
      simulated: deps.engine.simulated,
      limits: {
        max_frame_bytes: settings.maxFrameBytes,
        max_concurrent_calls: settings.maxConcurrentCalls,
        idle_timeout_ms: settings.idleTimeoutMs,
        heartbeat_ms: settings.heartbeatMs,
      },
    });
  };

  const hello = async (peer: Peer, apiKey: string | undefined) => {
    const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    const result = await deps.auth.check(headers, { remoteAddress: peer.remoteAddress });
    if (result.ok) return welcome(peer, result.keyId, result.scope);
    await send(peer, { type: 'error', error: { ...result.body.error, code: result.body.error.code ?? 'auth' } });
    peer.socket.close(CLOSE_CODES.unauthenticated, 'authentication failed');
  };

  const startCall = (peer: Peer, frame: Extract<ClientFrame, { type: 'call_tool' | 'chat' }>) => {
    const id = frame.request_id;
    if (peer.calls.has(id)) {
      return send(peer, {
        type: 'error',
        request_id: id,
        error: {
          message: `request_id "${id}" is already in flight on this socket`,
          type: 'invalid_request_error',
          code: 'bad_request',
          param: 'request_id',
        },
      });
    }
    if (closing) {
      return send(peer, {
        type: 'error',
        request_id: id,
        error: {
          message: 'The server is shutting down; retry on another instance',
          type: 'api_error',
          code: 'overloaded',
          param: null,
        },
      });
    }
    if (peer.calls.size >= settings.maxConcurrentCalls) {
      return send(peer, {
        type: 'error',
        request_id: id,
        error: {
          message: `at most ${settings.maxConcurrentCalls} calls may run at once on one socket`,
          type: 'rate_limit_error',
          code: 'queue_full',
          param: null,
        },
      });
    }
    const controller = new AbortController();
    peer.calls.set(id, controller);
    const sink: CallSink = {
      send: (next) => send(peer, next),
      signal: controller.signal,
      keyId: peer.keyId ?? 'anonymous',
      scope: peer.scope!,
    };
    void runCall(deps, frame, sink).finally(() => {
      peer.calls.delete(id);
      peer.lastActivity = Date.now();
    });
    return Promise.resolve();
  };

  const dispatch = async (peer: Peer, frame: ClientFrame) => {
    if (frame.type === 'ping')
      return send(peer, { type: 'pong', ...(frame.data === undefined ? {} : { data: frame.data }) });
    if (frame.type === 'hello') return hello(peer, frame.api_key);
    if (peer.keyId === undefined) {
      const requestId = 'request_id' in frame && frame.request_id ? { request_id: frame.request_id } : {};
      return send(peer, {
        type: 'error',
        ...requestId,
        error: authError(
          'Not authenticated: send {"type":"hello","api_key":"..."} first, or connect with an Authorization header',
        ),
      });
    }
    if (frame.type === 'list_tools') {
      const tools = toolsOf(deps);
      return send(peer, {
        type: 'tools',
        ...(frame.request_id ? { request_id: frame.request_id } : {}),
        tools: tools ? listTools(tools) : [],
      });
    }
    if (frame.type === 'cancel') {
      const controller = peer.calls.get(frame.request_id);
      if (controller) return controller.abort();
      return send(peer, {
        type: 'error',
        request_id: frame.request_id,
        error: {
          message: `no call in flight with request_id "${frame.request_id}"`,
          type: 'invalid_request_error',
          code: 'not_found',
          param: 'request_id',
        },
      });
    }
    return startCall(peer, frame);
  };

  const onMessage = (peer: Peer, data: WebSocket.RawData, isBinary: boolean) => {
    peer.lastActivity = Date.now();
    if (isBinary) {
      void send(peer, {
        type: 'error',
        error: {
          message: 'binary frames are not supported; send JSON text frames',
          type: 'invalid_request_error',
          code: 'bad_request',
          param: null,
        },
      });
      return;
    }
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) {
      void send(peer, {
        type: 'error',
        ...(parsed.requestId ? { request_id: parsed.requestId } : {}),
        error: parsed.error,
      });
      return;
    }
    dispatch(peer, parsed.frame).catch((error: unknown) => deps.logger.warn({ err: error }, 'websocket frame failed'));
  };

  const onConnection = (
    socket: WebSocket,
    request: IncomingMessage,
    identity: { keyId: string; scope: OwnerScope } | undefined,
  ) => {
    const now = Date.now();
    const peer: Peer = {
      socket,
      keyId: undefined,
      scope: undefined,
      calls: new Map(),
      lastActivity: now,
      lastPing: now,
      awaitingPong: false,
      helloTimer: undefined,
      remoteAddress: request.socket.remoteAddress,
    };
    peers.add(peer);
    // ws closes an oversized frame with 1009 and no reason; give the client one it can show.
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) =>
      close(
        code,
        reason ?? (code === CLOSE_CODES.tooBig ? `frame larger than ${settings.maxFrameBytes} bytes` : undefined),
      );
    socket.on('message', (data, isBinary) => onMessage(peer, data, isBinary));
    socket.on('pong', () => {
      peer.awaitingPong = false;
    });
    socket.on('error', (error) => deps.logger.debug({ err: error }, 'websocket error'));
    socket.on('close', () => {
      peers.delete(peer);
      clearTimeout(peer.helloTimer);
      for (const controller of peer.calls.values()) controller.abort();
    });
    if (identity !== undefined) welcome(peer, identity.keyId, identity.scope);
    else
      peer.helloTimer = setTimeout(
        () => socket.close(CLOSE_CODES.unauthenticated, 'no hello before the deadline'),
        settings.helloTimeoutMs,
      );
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgraded socket over without its own error listener: a reset must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== settings.path) {
      // Another upgrade handler may serve this path; if none, refuse it.
      if (server.listenerCount('upgrade') === 1)
        refuse(socket, 404, {
          error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found', param: null },
        });
      return;
    }
    if (closing)
      return refuse(socket, 503, {
        error: { message: 'Server shutting down', type: 'api_error', code: 'overloaded', param: null },
      });
    // The same Host and Origin rules as the HTTP routes: a rebinding page may not open a socket either.
    if (!hostGuard.hostAllowed(request.headers.host)) {
      return refuse(socket, 421, {
        error: {
          message: 'This Host is not served here; add it to EXAI_ALLOWED_HOSTS if it names this server',
          type: 'invalid_request_error',
          code: 'misdirected_request',
          param: null,
        },
      });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !hostGuard.originAllowed(origin, request.headers.host)) {
      return refuse(socket, 403, {
        error: {
          message: `Origin ${origin.slice(0, 100)} may not open a WebSocket here`,
          type: 'authentication_error',
          code: 'auth',
          param: null,
        },
      });
    }
    deps.auth
      .check(request.headers, { remoteAddress: request.socket.remoteAddress })
      .then((result) => {
        if (!result.ok && hasCredentials(request)) return refuse(socket, result.status, result.body);
        wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request, result.ok ? result : undefined));
      })
      .catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'websocket auth failed');
        refuse(socket, 500, { error: { message: 'Internal error', type: 'api_error', code: 'server', param: null } });
      });
  };

  const sweep = () => {
    const now = Date.now();
    for (const peer of peers) {
      if (peer.calls.size === 0 && now - peer.lastActivity >= settings.idleTimeoutMs) {
        peer.socket.close(CLOSE_CODES.idle, 'idle timeout');
        continue;
      }
      if (now - peer.lastPing < settings.heartbeatMs) continue;
      if (peer.awaitingPong) {
        peer.socket.terminate();
        continue;
      }
      peer.awaitingPong = true;
      peer.lastPing = now;
      peer.socket.ping();
    }
  };
  const timer = setInterval(sweep, Math.max(20, Math.min(settings.heartbeatMs, settings.idleTimeoutMs) / 2));
  timer.unref();
  server.on('upgrade', onUpgrade);

  return {
    get connections() {
      return peers.size;
    },
    async close(graceMs = 0) {
      closing = true;
      clearInterval(timer);
      server.off('upgrade', onUpgrade);
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && [...peers].some((peer) => peer.calls.size > 0)) await pause(25);
      const gone = [...peers].map(
        (peer) =>
          new Promise<void>((resolve) => {
            if (peer.socket.readyState === WebSocket.CLOSED) return resolve();
            peer.socket.once('close', () => resolve());
            for (const controller of peer.calls.values()) controller.abort();
            peer.socket.close(CLOSE_CODES.goingAway, 'server shutting down');
            setTimeout(() => peer.socket.terminate(), 1_000).unref();
          }),
      );
      await Promise.all(gone);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
