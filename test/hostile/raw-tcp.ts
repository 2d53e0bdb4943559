import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';

/**
 * A hostile client for the hostile-client suites: raw bytes over node:net, no HTTP library between the
 * test and the server, so it can send what no well-behaved client would (resets, garbage, half requests).
 */

export interface Exchange {
  /** Everything the server sent before the socket ended (latin1, so binary answers survive). */
  answer: string;
  /** The server closed or reset the connection (rather than the client). */
  closedByServer: boolean;
}

export interface HitOptions {
  /**
   * What to wait for after writing, before the client resets the connection:
   * `nothing` (reset as soon as the bytes are written), `answer` (the first status line and headers),
   * `close` (the server closing the connection). Default `answer`.
   */
  wait?: 'nothing' | 'answer' | 'close';
  /** Give up writing and waiting after this long (from connect), then reset. Default 5000. */
  timeoutMs?: number;
  /** Pause between chunks. Default 0. */
  gapMs?: number;
  /** Called once every chunk is handed to the kernel (or writing stopped: server gone, deadline passed). */
  onSent?: () => void;
}

/**
 * A normal request after each hostile case is answered within this. About 0.1 s on an idle machine; the
 * bound leaves room for CI's parallel test files on two cores (a stalled server takes 10 s and more).
 */
export const ANSWERED_WITHIN_MS = 3_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to 127.0.0.1:`port`, writes `chunks`, waits as told, then resets the connection (RST, not FIN). */
export async function hit(
  port: number,
  chunks: ReadonlyArray<string | Buffer>,
  options: HitOptions = {},
): Promise<Exchange> {
  const wait = options.wait ?? 'answer';
  const socket = net.connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  let closedByServer = false;
  let clientDone = false;
  let answered!: () => void;
  const headersSeen = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const ended = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (wait === 'answer' && Buffer.concat(received).includes('\r\n\r\n')) answered();
    });
    socket.on('end', () => {
      if (!clientDone) closedByServer = true;
    });
    socket.on('error', () => {
      if (!clientDone) closedByServer = true;
    });
    socket.on('close', () => resolve());
  });
  const text = () => Buffer.concat(received).toString('latin1');
  // One deadline for writing and waiting: a server that stops reading must not hang the test in `write`.
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  const expired = () => new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    for (const chunk of chunks) {
      if (socket.destroyed || Date.now() >= deadline || (wait === 'answer' && text().includes('\r\n\r\n'))) break;
      await Promise.race([
        new Promise<void>((resolve) => socket.write(chunk, () => resolve())),
        ended,
        headersSeen,
        expired(),
      ]);
      if (options.gapMs) await pause(options.gapMs);
    }
    options.onSent?.();
    if (wait !== 'nothing') {
      const done = () => socket.destroyed || closedByServer || (wait === 'answer' && text().includes('\r\n\r\n'));
      while (!done() && Date.now() < deadline) await pause(10);
    }
  } catch {
    closedByServer = true;
  }
  clientDone = true;
  if (!socket.destroyed) socket.resetAndDestroy();
  await ended;
  return { answer: text(), closedByServer };
}

/** The status code of the first response in an answer, or undefined when the server sent no status line. */
export function statusOf(answer: string): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return match ? Number(match[1]) : undefined;
}

/** The body of a `content-length` framed answer. */
export function bodyOf(answer: string): string {
  const start = answer.indexOf('\r\n\r\n');
  return start < 0 ? '' : answer.slice(start + 4);
}

/** The first bytes a real client of another protocol sends (captured from Node's own TLS and HTTP/2 clients). */
export async function firstBytesOf(protocol: 'tls' | 'h2'): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const captured = new Promise<Buffer>((resolve) => {
      server.once('connection', (socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          // The TLS ClientHello is one write; the HTTP/2 preface and SETTINGS may be two.
          const all = Buffer.concat(chunks);
          if (protocol === 'tls' || all.length >= 24 + 9) {
            resolve(all);
            socket.destroy();
          }
        });
        socket.on('error', () => undefined);
      });
    });
    if (protocol === 'tls') {
      const client = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
      client.on('error', () => undefined);
    } else {
      const client = http2.connect(`http://127.0.0.1:${port}`);
      client.on('error', () => undefined);
    }
    return await captured;
  } finally {
    server.close();
  }
}

/** Deterministic non-HTTP bytes (a linear congruential sequence), so a failure can be replayed. */
export function garbage(length: number, seed = 42): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    bytes[index] = state >> 16;
  }
  return bytes;
}

const upgradeHeaders =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** A WebSocket upgrade request for `path`, with extra header lines. */
export function upgradeRequest(path: string, extraHeaders = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgradeHeaders}${extraHeaders}\r\n`;
}

/** `count` sockets that send a request line, then one header line every `everyMs`, and never finish the headers. */
export function slowloris(
  port: number,
  count: number,
  everyMs: number,
): { sockets: net.Socket[]; closed: Promise<number[]>; stop: () => void } {
  const opened = Date.now();
  const sockets: net.Socket[] = [];
  const closes: Promise<number>[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let index = 0; index < count; index++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('connect', () => {
      socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      let line = 0;
      const timer = setInterval(() => {
        if (!socket.destroyed) socket.write(`X-Slow-${line++}: ${'a'.repeat(10)}\r\n`);
      }, everyMs);
      timers.push(timer);
      socket.once('close', () => clearInterval(timer));
    });
    closes.push(new Promise((resolve) => socket.once('close', () => resolve(Date.now() - opened))));
    sockets.push(socket);
  }
  return {
    sockets,
    closed: Promise.all(closes),
    stop: () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) if (!socket.destroyed) socket.resetAndDestroy();
    },
  };
}

/** A chat body of about `bytes` bytes whose bulk is one flat array of numbers in the first message's content. */
export function flatArrayChatBody(bytes: number, model: string): string {
  const count = Math.floor(bytes / 2);
  return `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":[${'0,'.repeat(count - 1)}0]}]}`;
}

/**
 * Opens `count` slowloris sockets and checks the server keeps serving while they trickle headers, and that
 * each is cut by the headers timeout (not earlier for another reason), within a few seconds of it.
 * Returns the sockets' lifetimes.
 */
export async function slowlorisAreCut(
  port: number,
  headersTimeoutMs: number,
  expectServing: () => Promise<void>,
  count = 60,
): Promise<number[]> {
  const attack = slowloris(port, count, 300);
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectServing();
    const lifetimes = await Promise.race([
      attack.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('slowloris sockets still open')), headersTimeoutMs + 8_000),
      ),
    ]);
    const shortest = Math.min(...lifetimes);
    const longest = Math.max(...lifetimes);
    if (shortest < headersTimeoutMs - 500 || longest >= headersTimeoutMs + 6_000) {
      throw new Error(
        `slowloris sockets lived ${shortest}..${longest} ms; the headers timeout is ${headersTimeoutMs} ms`,
      );
    }
    return lifetimes;
  } finally {
    attack.stop();
  }
}
