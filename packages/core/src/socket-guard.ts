import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Env } from './config.js';
import { formatSettingsIssue, parseSettings, type Settings } from './settings.js';

/**
 * Hardening shared by both servers (exai-http and exai-mcp --http): timeouts a slow or silent client
 * cannot outlive, an `error` listener on every socket from the moment it is accepted, and a clean
 * answer to bytes that are not HTTP. The apps' READMEs list the variables and why each default was chosen.
 */

/**
 * Connection limits of a `node:http` server. Every field has an `EXAI_*` variable (see {@link readHttpServerLimits}).
 */
export interface HttpServerLimits {
  /**
   * `EXAI_HEADERS_TIMEOUT_MS`: a connection must deliver a request's headers within this time (408, then closed).
   * Default 20000.
   */
  headersTimeoutMs: number;
  /**
   * `EXAI_REQUEST_RECEIVE_TIMEOUT_MS` (Node's `server.requestTimeout`): a request, headers and body, must be fully
   * received within this time (408). Node stops this clock once the body is in, so a long streamed answer (SSE)
   * is not cut. 0 turns it off. Default 300000.
   */
  requestReceiveTimeoutMs: number;
  /** `EXAI_KEEP_ALIVE_TIMEOUT_MS`: an idle keep-alive connection is closed after this time. Default 72000. */
  keepAliveTimeoutMs: number;
  /**
   * `EXAI_MAX_REQUESTS_PER_SOCKET`: requests served on one connection before it is closed; 0 is unlimited. Default
   * 1000.
   */
  maxRequestsPerSocket: number;
  /**
   * `EXAI_MAX_CONNECTIONS`: open connections (WebSockets included); more are refused at accept. 0 is unlimited. Default
   * 1024.
   */
  maxConnections: number;
}

const limitVariables = [
  'EXAI_HEADERS_TIMEOUT_MS',
  'EXAI_REQUEST_RECEIVE_TIMEOUT_MS',
  'EXAI_KEEP_ALIVE_TIMEOUT_MS',
  'EXAI_MAX_REQUESTS_PER_SOCKET',
  'EXAI_MAX_CONNECTIONS',
] as const;

/**
 * Reads {@link HttpServerLimits} from the environment (settings.ts); `errors` names every bad variable (its default is
 * used).
 */
export function readHttpServerLimits(env: Env): { limits: HttpServerLimits; errors: string[] } {
  const { settings, issues } = parseSettings(env);
  const names = new Set<string>(limitVariables);
  return {
    limits: httpServerLimitsOf(settings),
    errors: issues.filter((issue) => names.has(issue.variable)).map(formatSettingsIssue),
  };
}

/** The {@link HttpServerLimits} slice of parsed settings. */
export function httpServerLimitsOf(settings: Settings): HttpServerLimits {
  return {
    headersTimeoutMs: settings.EXAI_HEADERS_TIMEOUT_MS,
    requestReceiveTimeoutMs: settings.EXAI_REQUEST_RECEIVE_TIMEOUT_MS,
    keepAliveTimeoutMs: settings.EXAI_KEEP_ALIVE_TIMEOUT_MS,
    maxRequestsPerSocket: settings.EXAI_MAX_REQUESTS_PER_SOCKET,
    maxConnections: settings.EXAI_MAX_CONNECTIONS,
  };
}

/** The defaults of {@link HttpServerLimits}: the settings schema's. */
export const defaultHttpServerLimits: Readonly<HttpServerLimits> = Object.freeze(readHttpServerLimits({}).limits);

/** Error codes of a connection that broke or a stream used after it ended: the peer's doing, not a bug. */
const socketErrorCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTCONN',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_SOCKET_CLOSED',
  'ERR_HTTP_REQUEST_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True for errors of one connection (a reset, a broken pipe, a write after the peer left, a bad HTTP
 * parse): the process can keep serving everyone else. Looks at `error.code` and the `cause`'s code.
 */
export function isSocketError(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && depth < 3; depth++) {
    const code = codeOf(current);
    if (code !== undefined && (socketErrorCodes.has(code) || code.startsWith('HPE_'))) return true;
    current = typeof current === 'object' && current !== null ? (current as { cause?: unknown }).cause : undefined;
  }
  return false;
}

export interface ClientErrorAnswer {
  status: 400 | 408 | 413 | 431;
  /** Machine-readable reason: `bad_request`, `request_timeout`, `headers_too_large`, `body_too_large`. */
  code: string;
  message: string;
}

/** What a client gets for a request Node could not parse or that took too long. */
export function clientErrorAnswer(error: unknown): ClientErrorAnswer {
  const code = codeOf(error);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, code: 'request_timeout', message: 'The request was not received in time' };
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, code: 'headers_too_large', message: 'The request headers are too large' };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW')
    return { status: 413, code: 'body_too_large', message: 'A chunk extension is too large' };
  return {
    status: 400,
    code: 'bad_request',
    message: `The request is not valid HTTP/1.1${code?.startsWith('HPE_') ? ` (${code})` : ''}`,
  };
}

const reasons: Record<ClientErrorAnswer['status'], string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

export interface GuardHttpServerOptions {
  limits?: Partial<HttpServerLimits>;
  /** The JSON body of a refusal in the server's own error shape. */
  errorBody: (answer: ClientErrorAnswer) => unknown;
  /** Called for each socket error (already handled); for debug logs. */
  onSocketError?: (error: Error) => void;
}

/**
 * Applies {@link HttpServerLimits} to `server` and makes every socket safe: an `error` listener from
 * `connection` on (it stays on sockets handed to `upgrade` handlers, which Node leaves without one), and
 * a `clientError` answer (400/408/413/431 in the server's error shape, then the socket is destroyed)
 * that replaces any other `clientError` listener. Call before `listen`.
 */
export function guardHttpServer(server: Server, options: GuardHttpServerOptions): void {
  const limits = { ...defaultHttpServerLimits, ...options.limits };
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestReceiveTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  // Node checks the two timeouts on this interval (default 30 s, read at `listening`): check often enough that
  // a stalled client is cut close to its deadline.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    100,
    Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)),
  );
  const onSocketError = (error: Error) => options.onSocketError?.(error);
  server.on('connection', (socket: Socket) => {
    socket.on('error', onSocketError);
  });
  server.removeAllListeners('clientError');
  server.on('clientError', (error: Error, socket: Socket) => {
    const code = codeOf(error);
    if (code !== 'ECONNRESET' && socket.writable && !responseStarted(socket)) {
      const answer = clientErrorAnswer(error);
      const body = JSON.stringify(options.errorBody(answer));
      socket.write(
        `HTTP/1.1 ${answer.status} ${reasons[answer.status]}\r\ncontent-type: application/json\r\ncontent-length: ` +
          `${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  });
}

/** A response already sent bytes on this socket: an error answer now would corrupt it (Node's own rule). */
function responseStarted(socket: Socket): boolean {
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return response?.headersSent === true;
}
