import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** One batch of the request log for the writer thread: rows as value arrays, in `columns` order. */
export interface LogBatch {
  id: number;
  tables: Array<{ table: 'requests' | 'attempts'; columns: string[]; rows: unknown[][] }>;
}

export interface LogReply {
  id: number;
  error?: string;
}

/**
 * The request log on SQLite is written by a thread of its own (decision 0035). better-sqlite3 is synchronous:
 * on the event loop a batch's commit held every request for 1-2 ms, and the WAL checkpoint every few batches
 * for 15-18 ms (bench/compare at 500 req/s). The thread has its own connection to the same file (WAL lets
 * both connections work); the rest of the store stays on Kysely's connection.
 */
export class SqliteLogWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  /** Every batch not yet answered, for `close` to wait on. */
  readonly #inFlight = new Set<Promise<void>>();
  #nextId = 1;
  #failed: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.unref();
    worker.on('message', (reply: LogReply) => {
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(reply.error));
    });
    const fail = (error: Error) => {
      this.#failed = error;
      for (const waiting of this.#pending.values()) waiting.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the request log's writer thread exited (${code})`)));
  }

  /**
   * A writer for the SQLite file `file`, or undefined where the thread's script is not built (the package run
   * from its sources): the caller then writes on its own connection.
   */
  static open(file: string): SqliteLogWriter | undefined {
    const script = [
      new URL('./sqlite-log-worker.js', import.meta.url),
      new URL('../dist/sqlite-log-worker.js', import.meta.url),
    ].find((candidate) => existsSync(fileURLToPath(candidate)));
    return script ? new SqliteLogWriter(new Worker(script, { workerData: { file } })) : undefined;
  }

  /** True while the thread works; after it failed, the caller writes on its own connection. */
  get usable(): boolean {
    return this.#failed === undefined;
  }

  /** Resolves once the batch is committed; rejects with SQLite's error (nothing of the batch is stored then). */
  write(tables: LogBatch['tables']): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    const written = new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, tables } satisfies LogBatch);
    });
    this.#inFlight.add(written);
    const done = () => this.#inFlight.delete(written);
    written.then(done, done);
    return written;
  }

  /** Waits for the batches sent so far, then ends the thread. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    this.#failed ??= new Error("the request log's writer thread is closed");
    await this.#worker.terminate();
  }
}
