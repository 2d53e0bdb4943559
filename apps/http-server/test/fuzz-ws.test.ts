import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ServerFrame, serverFrameSchema } from '../src/ws-protocol.js';
import {
  expectNoLeak,
  FUZZ_RUNS,
  FUZZ_TEST_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  send,
  useFuzzRoute,
} from './fuzz-helpers.js';

/**
 * `/v1/ws` under generated frames: arbitrary text and binary, JSON of every shape, frames of every
 * type with one wrong field, chat frames with broken requests, tool calls with arbitrary arguments.
 * Every frame gets documented server frames (an `error` naming the problem, or the call's end),
 * the socket stays open, nothing leaks a stack, nothing hangs; a normal call works afterwards.
 */

const route = useFuzzRoute('/v1/ws', {
  config: { timeouts: { requestMs: 4_000, attemptMs: 2_000, firstTokenMs: 2_000, idleMs: 2_000 } },
});
const wsURL = () => route.url.replace('http', 'ws');

/** One socket whose frames are checked against the schema as they arrive. */
class Peer {
  readonly frames: ServerFrame[] = [];
  readonly socket: WebSocket;
  #wake: (() => void) | undefined;
  closedWith: number | undefined;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      const text = data.toString();
      expectNoLeak(text);
      const parsed = serverFrameSchema.safeParse(JSON.parse(text));
      expect(parsed.success, `undocumented server frame: ${text.slice(0, 300)}`).toBe(true);
      this.frames.push(parsed.data as ServerFrame);
      this.#wake?.();
    });
    this.socket.on('close', (code) => {
      this.closedWith = code;
      this.#wake?.();
    });
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    await this.until((frame) => frame.type === 'welcome');
  }

  /** Waits for a frame matching `match` among those received so far or later; removes and returns it. */
  async until(match: (frame: ServerFrame) => boolean, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0]!;
      if (this.closedWith !== undefined) throw new Error(`socket closed with ${this.closedWith}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no answer within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  send(data: string | Uint8Array): void {
    this.socket.send(data);
  }

  /** Sends `data`, then a ping with a fresh marker; returns every frame that came before the pong. */
  async exchange(data: string | Uint8Array): Promise<ServerFrame[]> {
    const marker = `m-${Math.random()}`;
    this.send(data);
    this.send(JSON.stringify({ type: 'ping', data: marker }));
    await this.until((frame) => frame.type === 'pong' && frame.data === marker);
    return this.frames.splice(0);
  }
}

let peer: Peer;
let sequence = 0;
const nextId = () => `fz-${++sequence}`;

beforeAll(async () => {
  peer = new Peer(wsURL());
  await peer.open();
});
afterAll(() => {
  peer?.socket.close();
});

const errorsOf = (frames: ServerFrame[]) =>
  frames.filter((frame): frame is Extract<ServerFrame, { type: 'error' }> => frame.type === 'error');

/** Waits for the one `result` or `error` that ends call `id` (if it started), and checks nothing else ends it. */
async function endOf(id: string, already: ServerFrame[]): Promise<ServerFrame> {
  const ended = already.filter(
    (frame) => (frame.type === 'result' || frame.type === 'error') && 'request_id' in frame && frame.request_id === id,
  );
  expect(ended.length).toBeLessThanOrEqual(1);
  return (
    ended[0] ??
    (await peer.until(
      (frame) =>
        (frame.type === 'result' || frame.type === 'error') && 'request_id' in frame && frame.request_id === id,
    ))
  );
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

describe('WebSocket frame fuzzing', { timeout: FUZZ_TEST_TIMEOUT_MS }, () => {
  it('arbitrary text frames get an error frame (or their documented answer); the socket stays open', async () => {
    const frameText = fc.oneof(
      text,
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.anything().map((value) => JSON.stringify({ type: value })),
    );
    await fc.assert(
      fc.asyncProperty(frameText, async (data) => {
        const frames = await peer.exchange(data);
        for (const frame of frames)
          expect(['error', 'pong', 'tools', 'welcome', 'result', 'progress', 'chunk']).toContain(frame.type);
        for (const frame of errorsOf(frames)) expect(frame.error.message.length).toBeGreaterThan(0);
        expect(peer.socket.readyState).toBe(WebSocket.OPEN);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('binary frames get an error frame saying to send JSON text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4_096 }), async (data) => {
        const frames = await peer.exchange(data);
        const errors = errorsOf(frames);
        expect(errors).toHaveLength(1);
        expect(errors[0]!.error.message).toMatch(/binary/);
      }),
      { numRuns: Math.max(50, Math.floor(FUZZ_RUNS / 4)) },
    );
  });

  it('a frame of a known type with one wrong field is an error frame with its request_id, naming the field', async () => {
    const wrong = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({ x: 1 }));
    const broken: fc.Arbitrary<[Record<string, unknown>, string]> = fc
      .oneof(
        fc.tuple(fc.constant({ type: 'call_tool', name: 'version' }), fc.constantFrom('name', 'arguments')),
        fc.tuple(
          fc.constant({ type: 'chat', request: { model: 'glm', messages: [{ role: 'user', content: 'hi' }] } }),
          fc.constant('request'),
        ),
        fc.tuple(fc.constant({ type: 'cancel' }), fc.constant('request_id')),
        fc.tuple(fc.constant({ type: 'hello' }), fc.constant('api_key')),
        fc.tuple(fc.constant({ type: 'ping' }), fc.constant('data')),
        fc.tuple(fc.constant({ type: 'list_tools' }), fc.constant('request_id')),
      )
      .chain(([frame, field]) =>
        wrong.map(
          (value) =>
            [
              {
                ...frame,
                ...(field === 'request_id' ? {} : { request_id: nextId() }),
                [field]:
                  field === 'arguments' && (value === null || (typeof value === 'object' && !Array.isArray(value)))
                    ? 'x'
                    : value,
              },
              field,
            ] as [Record<string, unknown>, string],
        ),
      );
    await fc.assert(
      fc.asyncProperty(broken, async ([frame, field]) => {
        const frames = await peer.exchange(JSON.stringify(frame));
        const errors = errorsOf(frames);
        expect(errors, JSON.stringify(frames)).toHaveLength(1);
        const error = errors[0]!;
        if (typeof frame.request_id === 'string') expect(error.request_id).toBe(frame.request_id);
        expect(`${error.error.param} ${error.error.message}`).toContain(field);
        expect(error.error.code).toBe('bad_request');
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('chat frames with broken requests end with one error frame naming the field, or a result', async () => {
    const field = fc.constantFrom(
      'model',
      'messages',
      'temperature',
      'max_tokens',
      'stream_options',
      'tools',
      'provider_options',
      'models',
      'stop',
    );
    const value = fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.string({ maxLength: 10 }),
      fc.constant([]),
      fc.constant({ a: [1] }),
      fc.constant([{ role: 'robot' }]),
    );
    await fc.assert(
      fc.asyncProperty(field, value, async (name, bad) => {
        const id = nextId();
        const request = { model: 'glm', messages: [{ role: 'user', content: 'hi' }], [name]: bad };
        const frames = await peer.exchange(JSON.stringify({ type: 'chat', request_id: id, request }));
        const end = await endOf(id, frames);
        if (end.type === 'error') {
          expect(end.error.type).not.toBe('api_error');
          expect(`${end.error.param} ${end.error.message}`).toContain(name);
        }
      }),
      { numRuns: Math.max(100, Math.floor(FUZZ_RUNS / 2)) },
    );
  });

  it('call_tool with arbitrary names and arguments ends with exactly one result or error frame', async () => {
    const name = fc.oneof(
      fc.constantFrom('version', 'listmodels', 'status', 'threads', 'chat', 'no_such_tool'),
      text.filter((value) => value.length > 0),
    );
    const args = fc.oneof(
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      fc.record({ prompt: text, model: fc.constantFrom('glm', 'kimi', 'nope') }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(name, args, async (tool, argumentsValue) => {
        const id = nextId();
        const frames = await peer.exchange(
          JSON.stringify({ type: 'call_tool', request_id: id, name: tool, arguments: argumentsValue }),
        );
        const end = await endOf(id, frames);
        if (end.type === 'error') {
          expect(['not_found', 'bad_request']).toContain(end.error.code);
          expect(end.error.param).toMatch(/^(name|arguments)/);
        } else if (end.type === 'result') {
          expect(typeof end.content).toBe('string');
          if (end.is_error) expect(end.content).toMatch(/Hint:/);
        } else {
          throw new Error(`a call ended with a ${end.type} frame`);
        }
      }),
      { numRuns: Math.max(100, Math.floor(FUZZ_RUNS / 2)) },
    );
  });

  it('a frame over the size limit closes only that socket, with 1009 and a reason', async () => {
    const big = new Peer(wsURL());
    await big.open();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      big.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    big.send(JSON.stringify({ type: 'ping', data: 'x'.repeat(1024 * 1024 + 10) }));
    expect(await closed).toMatchObject({ code: 1009, reason: expect.stringMatching(/frame larger than/) });
    expect(peer.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('the same socket still runs a chat and HTTP still answers, with no unhandled rejection', async () => {
    const id = nextId();
    peer.send(
      JSON.stringify({
        type: 'chat',
        request_id: id,
        request: { model: 'kimi', messages: [{ role: 'user', content: 'after the storm' }] },
      }),
    );
    const end = await peer.until((frame) => frame.type === 'result' && frame.request_id === id);
    if (end.type !== 'result') throw new Error('expected a result frame');
    expect(end).toMatchObject({ type: 'result', content: expect.stringContaining('after the storm'), is_error: false });
    const answer = await send(`${route.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'glm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    expect(route.problems).toEqual([]);
  });
});
