import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '@exai/core';
import { rejectionOf } from '@exai/provider-simulator/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMinimax } from '../src/index.js';

/**
 * MiniMax reports some failures as HTTP 200 with `base_resp` (stream requests included). The shared
 * simulator answers MiniMax errors with real HTTP statuses, so this file runs a tiny loopback server
 * that does what MiniMax does: `POST /v1/chat/completions` answers 200 + the base_resp named by the model id.
 */
let server: Server;
let baseURL: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (piece) => {
      text += piece;
    });
    request.on('end', () => {
      requests += 1;
      const body = JSON.parse(text) as { model: string };
      const code = Number(body.model.split('-').at(-1));
      response.writeHead(200, { 'content-type': 'application/json', 'retry-after': '5' });
      response.end(
        JSON.stringify({
          id: '',
          choices: null,
          created: 0,
          model: body.model,
          base_resp: { status_code: code, status_msg: `simulated ${code}` },
        }),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.close();
  await once(server, 'close');
});

const failureOf = (run: () => Promise<unknown>) => rejectionOf(run, GatewayError.isInstance);

describe('MiniMax HTTP 200 with a base_resp error', () => {
  it.each([
    [1002, 'rate_limited'],
    [1004, 'upstream_auth'],
    [1008, 'upstream_billing'],
    [1026, 'content_filter'],
    [1039, 'context_length'],
  ])('maps base_resp %i to %s in chat and in streams, each call sent once', async (code, expected) => {
    const minimax = createMinimax({ apiKey: 'k', baseURL, env: {} });
    const request = { model: `MiniMax-M2-${code}`, messages: [{ role: 'user' as const, content: 'hi' }] };
    const before = requests;
    const chatError = await failureOf(() => minimax.chat(request));
    expect(chatError.code).toBe(expected);
    expect(chatError.message).toContain(`simulated ${code}`);
    const streamError = await failureOf(async () => {
      for await (const _chunk of minimax.stream(request)) {
        // drain
      }
    });
    expect(streamError.code).toBe(expected);
    expect(requests - before).toBe(2);
    if (expected === 'rate_limited') expect(chatError.retryAfterMs).toBe(5000);
  });
});
