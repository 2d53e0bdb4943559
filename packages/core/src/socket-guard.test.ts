import { createServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  clientErrorAnswer,
  defaultHttpServerLimits,
  guardHttpServer,
  isSocketError,
  readHttpServerLimits,
} from './socket-guard.js';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isSocketError', () => {
  it('accepts the errors of one broken connection, by code or by cause', () => {
    for (const code of [
      'ECONNRESET',
      'EPIPE',
      'ECONNABORTED',
      'ETIMEDOUT',
      'ERR_STREAM_DESTROYED',
      'ERR_STREAM_WRITE_AFTER_END',
      'ERR_STREAM_PREMATURE_CLOSE',
      'HPE_INVALID_METHOD',
    ]) {
      expect(isSocketError(withCode(code)), code).toBe(true);
    }
    expect(isSocketError(new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') }))).toBe(true);
  });

  it('refuses everything else: bugs, resource exhaustion, values that are not errors', () => {
    expect(isSocketError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(isSocketError(withCode('EMFILE'))).toBe(false);
    expect(isSocketError(withCode('ERR_INVALID_ARG_TYPE'))).toBe(false);
    expect(isSocketError('ECONNRESET')).toBe(false);
    expect(isSocketError(undefined)).toBe(false);
    expect(isSocketError({ code: 42 })).toBe(false);
  });
});

describe('readHttpServerLimits', () => {
  it('uses the defaults and reads each variable', () => {
    expect(readHttpServerLimits({})).toEqual({ limits: defaultHttpServerLimits, errors: [] });
    const { limits, errors } = readHttpServerLimits({
      EXAI_HEADERS_TIMEOUT_MS: '2000',
      EXAI_MAX_CONNECTIONS: '0',
      EXAI_REQUEST_RECEIVE_TIMEOUT_MS: '0',
    });
    expect(errors).toEqual([]);
    expect(limits).toMatchObject({
      headersTimeoutMs: 2_000,
      maxConnections: 0,
      requestReceiveTimeoutMs: 0,
      keepAliveTimeoutMs: 72_000,
    });
  });

  it('names every bad variable', () => {
    const { errors } = readHttpServerLimits({ EXAI_KEEP_ALIVE_TIMEOUT_MS: 'soon', EXAI_HEADERS_TIMEOUT_MS: '0' });
    expect(errors.join('\n')).toMatch(/EXAI_KEEP_ALIVE_TIMEOUT_MS: expected a non-negative integer, got 'soon'/);
    expect(errors.join('\n')).toMatch(/EXAI_HEADERS_TIMEOUT_MS: 0 would let a client hold a connection/);
    expect(
      readHttpServerLimits({ EXAI_HEADERS_TIMEOUT_MS: '9000', EXAI_REQUEST_RECEIVE_TIMEOUT_MS: '5000' }).errors[0],
    ).toMatch(/must not exceed EXAI_REQUEST_RECEIVE_TIMEOUT_MS/);
  });
});

describe('clientErrorAnswer', () => {
  it('maps parser and timeout errors to 400, 408 and 431', () => {
    expect(clientErrorAnswer(withCode('ERR_HTTP_REQUEST_TIMEOUT')).status).toBe(408);
    expect(clientErrorAnswer(withCode('HPE_HEADER_OVERFLOW')).status).toBe(431);
    expect(clientErrorAnswer(withCode('HPE_INVALID_METHOD'))).toEqual({
      status: 400,
      code: 'bad_request',
      message: 'The request is not valid HTTP/1.1 (HPE_INVALID_METHOD)',
    });
  });
});

describe('guardHttpServer', () => {
  it('answers bad bytes in the given shape and closes; a reset upgrade socket is not an uncaught error', async () => {
    const server = createServer((_request, response) => response.end('ok'));
    const seen: string[] = [];
    guardHttpServer(server, {
      errorBody: (answer) => ({ refused: answer.code }),
      onSocketError: (error) => seen.push((error as { code?: string }).code ?? ''),
    });
    // An upgrade handler that never answers: the socket is left to the client, who resets it.
    server.on('upgrade', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(server.headersTimeout).toBe(defaultHttpServerLimits.headersTimeoutMs);
      expect(server.maxConnections).toBe(defaultHttpServerLimits.maxConnections);
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write('\x16\x03\x01garbage\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk;
        });
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer).toContain('connection: close');
      expect(answer.endsWith('{"refused":"bad_request"}')).toBe(true);

      const upgraded = net.connect(port, '127.0.0.1', () =>
        upgraded.write('GET /x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
      );
      upgraded.on('error', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      upgraded.resetAndDestroy();
      await expect.poll(() => seen).toContain('ECONNRESET');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
