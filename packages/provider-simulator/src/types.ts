/** The provider wire dialects the simulator speaks. */
export type Dialect = 'openai' | 'glm' | 'kimi' | 'minimax';

/** Options for {@link startSimulator}. */
export interface SimulatorOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default '127.0.0.1'. */
  host?: string;
  /** Oldest attempts are dropped beyond this many rows. Default 100000. */
  maxAttempts?: number;
  /** Aborting it closes the simulator. */
  signal?: AbortSignal;
}

/** One row of the attempts log: one request that reached the server. */
export interface Attempt {
  seq: number;
  /** ISO time the request arrived. */
  time: string;
  /** The same instant in epoch milliseconds (`Date.parse(time)`), handy for arithmetic. */
  arrivedAt: number;
  dialect: Dialect | null;
  method: string;
  path: string;
  /** Model id without the `~scenario` suffix, when the request named one. */
  model: string | null;
  /** The scenario that was played (`ok` when none was chosen), or null for non-chat calls without a header. */
  scenario: string | null;
  stream: boolean;
  /** Status sent, or null when no status line was written (reset-before-headers, no-response). */
  status: number | null;
  /** True when the client closed the connection before the response finished. */
  clientHungUp: boolean;
  /** Null while the request is still in flight. */
  durationMs: number | null;
  /** `long-stream` only: SSE events written so far (it waits for `drain`, so this follows the client's reading). */
  eventsWritten?: number;
  /** The parsed JSON request body (multipart uploads: `{ purpose, filename, bytes }`). */
  body?: unknown;
}

/** A stored upload. */
export interface StoredFile {
  id: string;
  dialect: Dialect;
  filename: string;
  purpose: string;
  bytes: number;
  createdAt: number;
  contentType: string;
  data: Buffer;
}

/** A running simulator. */
export interface Simulator {
  /** `http://HOST:PORT` */
  readonly url: string;
  readonly port: number;
  /** Base URL an SDK should use for the dialect; GLM's coding plan with `{ codingPlan: true }`. */
  baseURL(dialect: Dialect, options?: { codingPlan?: boolean }): string;
  /** The live attempts log (synchronous, in-process). */
  readonly log: readonly Attempt[];
  /** A copy of the attempts log, like `GET /_sim/attempts`. */
  attempts(): Promise<Attempt[]>;
  /** Clears the log, the once/fail-times counters, scripts and stored files. */
  reset(): void;
  /** Plays `scenario` for every request to `model`; null clears it. */
  script(model: string, scenario: string | null): void;
  close(): Promise<void>;
}
