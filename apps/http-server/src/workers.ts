import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { SharedBreakerRecord } from '@exai/core';
import {
  createChannelSharedState,
  createSharedState,
  type SharedState,
  type SharedStateChannel,
  type SharedStateEvent,
  type SharedStateRequest,
  serveSharedState,
} from '@exai/store';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { PeerSession, RecentRequest } from './deps.js';

/**
 * `exai-http --workers N` on node:cluster: the primary forks N workers that share the listening
 * socket, holds the state they share when no Redis is configured (breakers, rate limits, provider
 * slots: see `createChannelSharedState` in @exai/store), aggregates their metrics and relays what one
 * worker's dashboard shows to the others. With Redis the workers share state through Redis as
 * separate instances do, and the primary only supervises. Decision 0027.
 */

/** What one worker tells the others, so every dashboard shows the whole group. */
export type PeerEvent = { kind: 'request'; request: RecentRequest } | { kind: 'session'; session: PeerSession };

/** A worker's link to the rest of its group. */
export interface Peers {
  /** Sends one of this worker's events to the other workers (batched: they see it within 100 ms). */
  share(event: PeerEvent): void;
  /** The other workers' events; returns an unsubscribe function. */
  on(listener: (event: PeerEvent) => void): () => void;
  /** Offers this worker's registry to the primary's aggregation (before any `metrics()` of the group). */
  expose(registry: Registry): void;
  /** Prometheus text for the whole group (the primary sums every worker's registry). */
  metrics(): Promise<string>;
}

type ToPrimary =
  | { exai: 'shared'; id: number; request: SharedStateRequest }
  | { exai: 'metrics'; id: number }
  | { exai: 'peers'; events: PeerEvent[] }
  | { exai: 'listening'; url: string };

type ToWorker =
  | { exai: 'answer'; id: number; result?: unknown; error?: string }
  | { exai: 'breaker'; key: string; record: SharedBreakerRecord }
  | { exai: 'peers'; events: PeerEvent[] }
  | { exai: 'stop' };

const isMessage = (message: unknown): message is { exai: string } =>
  typeof message === 'object' && message !== null && typeof (message as { exai?: unknown }).exai === 'string';

// A send can race the other side's exit (EPIPE): with a callback the error is passed there, not thrown
// as an 'error' event that would take the process down. Such a message has nobody to reach anyway.
const dropped = () => undefined;
const send = (worker: Worker, message: ToWorker) => {
  if (worker.isConnected()) worker.send(message, undefined, dropped);
};
const sendUp = (message: ToPrimary) => {
  if (process.connected) process.send?.(message, undefined, undefined, dropped);
};

/** In a worker: the group link, its shared state and the primary's stop request. */
export interface WorkerLink {
  peers: Peers;
  /** The primary's state, with this worker's own as the fallback while the primary does not answer. */
  sharedState: SharedState;
  /** Tells the primary this worker serves (it prints the URL once every worker does). */
  listening(url: string): void;
  /** Called once when the primary asks this worker to stop, or goes away (at once if that happened already). */
  onStop(listener: () => void): void;
}

/**
 * A worker's dashboard events go to its peers in batches: every `PEER_FLUSH_MS`, or sooner once
 * `PEER_BATCH` are waiting. Two IPC messages per request (a request and its session, each relayed by the
 * primary) cost more than the request itself; a batch costs the same for a hundred.
 */
const PEER_FLUSH_MS = 100;
const PEER_BATCH = 256;

export function joinPrimary(): WorkerLink {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const breakerListeners = new Set<(event: SharedStateEvent) => void>();
  const peerListeners = new Set<(event: PeerEvent) => void>();
  const stopListeners: Array<() => void> = [];
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const listener of stopListeners) listener();
  };
  const ask = (message: { exai: 'shared'; request: SharedStateRequest } | { exai: 'metrics' }) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      // A request the primary never answers is dropped by the caller's timeout; forget it after a while.
      setTimeout(() => pending.delete(id), 30_000).unref();
      sendUp({ ...message, id } as ToPrimary);
    });
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    const received = message as ToWorker;
    if (received.exai === 'answer') {
      const waiting = pending.get(received.id);
      pending.delete(received.id);
      if (received.error !== undefined) waiting?.reject(new Error(received.error));
      else waiting?.resolve(received.result);
    } else if (received.exai === 'breaker') {
      for (const listener of breakerListeners) listener({ key: received.key, record: received.record });
    } else if (received.exai === 'peers') {
      for (const event of received.events) for (const listener of peerListeners) listener(event);
    } else if (received.exai === 'stop') stop();
  });
  process.on('disconnect', stop);
  let outbox: PeerEvent[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  const flushPeers = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (outbox.length === 0) return;
    const events = outbox;
    outbox = [];
    sendUp({ exai: 'peers', events });
  };
  const channel: SharedStateChannel = {
    request: (request) => ask({ exai: 'shared', request }),
    onEvent(listener) {
      breakerListeners.add(listener);
      return () => breakerListeners.delete(listener);
    },
  };
  return {
    peers: {
      share(event) {
        outbox.push(event);
        if (outbox.length >= PEER_BATCH) flushPeers();
        else flushTimer ??= setTimeout(flushPeers, PEER_FLUSH_MS).unref();
      },
      on(listener) {
        peerListeners.add(listener);
        return () => peerListeners.delete(listener);
      },
      expose(registry) {
        // prom-client answers the primary's `clusterMetrics()` from these registries once an aggregator exists here.
        AggregatorRegistry.setRegistries([registry]);
        new AggregatorRegistry();
      },
      metrics: async () => String(await ask({ exai: 'metrics' })),
    },
    sharedState: createChannelSharedState(channel, { fallback: createSharedState() }),
    listening: (url) => sendUp({ exai: 'listening', url }),
    // A stop that came while the worker was starting is acted on as soon as it listens for one.
    onStop: (listener) => (stopped ? listener() : stopListeners.push(listener)),
  };
}

export interface PrimaryOptions {
  workers: number;
  /** Grace for the workers' own shutdown; past it (plus 5 s) a worker is killed. */
  shutdownGraceMs: number;
  /** Printed once every worker listens: the URL. */
  onListening(url: string): void;
  log(message: string): void;
}

/**
 * The node flags of the workers: the primary's own, plus `--single-threaded-gc` when there are at least as many
 * workers as CPUs. V8's parallel GC helpers then only compete with the other workers for the cores: measured on
 * one core at 500 req/s, a scavenge took 5 ms instead of ~1.5, and p99 was ~25 ms instead of ~8. A flag of node's
 * own about GC threads wins. Decision 0034.
 */
export function workerExecArgv(workers: number, cpus: number, execArgv: readonly string[]): string[] {
  const own = execArgv.some((arg) => /^--(no-)?(single-threaded-gc|parallel-scavenge|v8-pool-size)/.test(arg));
  return workers >= cpus && !own ? [...execArgv, '--single-threaded-gc'] : [...execArgv];
}

/** In the primary: forks and supervises the workers until SIGTERM/SIGINT; resolves with the exit code. */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  cluster.setupPrimary({ execArgv: workerExecArgv(options.workers, availableParallelism(), process.execArgv) });
  const state = createSharedState();
  const shared = serveSharedState(state);
  const aggregator = new AggregatorRegistry();
  const listening = new Set<number>();
  let announced = false;
  let stopping = false;
  let exitCode = 0;
  return new Promise<number>((resolve) => {
    state.breakers.subscribe((key, record) => {
      for (const worker of Object.values(cluster.workers ?? {}))
        if (worker) send(worker, { exai: 'breaker', key, record });
    });
    const answer = (worker: Worker, id: number, work: Promise<unknown>) =>
      work.then(
        (result) => send(worker, { exai: 'answer', id, result }),
        (error: unknown) => send(worker, { exai: 'answer', id, error: (error as Error).message ?? 'failed' }),
      );
    const onMessage = (worker: Worker, message: unknown) => {
      if (!isMessage(message)) return;
      const received = message as ToPrimary;
      if (received.exai === 'shared') answer(worker, received.id, shared.handle(String(worker.id), received.request));
      else if (received.exai === 'metrics') answer(worker, received.id, aggregator.clusterMetrics());
      else if (received.exai === 'peers') {
        for (const other of Object.values(cluster.workers ?? {}))
          if (other && other !== worker) send(other, { exai: 'peers', events: received.events });
      } else if (received.exai === 'listening') {
        // A worker that was still starting when the stop went out missed it (nothing listened yet).
        if (stopping) send(worker, { exai: 'stop' });
        listening.add(worker.id);
        if (announced) options.log(`worker ${worker.process.pid} serves`);
        else if (listening.size >= options.workers) {
          announced = true;
          options.onListening(received.url);
        }
      }
    };
    cluster.on('message', onMessage);
    const start = () => {
      if (!stopping) cluster.fork().on('error', dropped);
    };
    cluster.on('exit', (exited, code, signal) => {
      listening.delete(exited.id);
      void shared.forget(String(exited.id));
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (Object.keys(cluster.workers ?? {}).length === 0) void state.close().then(() => resolve(exitCode));
        return;
      }
      if (code === 2 && !announced) {
        // A refused start-up (bad settings, no keys on a public bind): every worker would refuse the same.
        stopping = true;
        exitCode = 2;
        stopAll();
        if (Object.keys(cluster.workers ?? {}).length === 0) void state.close().then(() => resolve(exitCode));
        return;
      }
      options.log(`worker ${exited.process.pid} exited (${signal ?? code}); starting another`);
      setTimeout(start, 1_000).unref();
    });
    const stopAll = () => {
      for (const running of Object.values(cluster.workers ?? {})) {
        if (!running) continue;
        send(running, { exai: 'stop' });
        setTimeout(() => running.process.kill('SIGKILL'), options.shutdownGraceMs + 5_000).unref();
      }
    };
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        options.log(`${signal} again, exiting now`);
        for (const running of Object.values(cluster.workers ?? {})) running?.process.kill('SIGKILL');
        resolve(1);
        return;
      }
      stopping = true;
      stopAll();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    for (let index = 0; index < options.workers; index += 1) start();
  });
}

/** `--workers`: a count, or `auto` for every CPU (the Docker image's default). */
export function parseWorkers(text: string | undefined, cpus: number): number | string {
  if (text === undefined || text.trim() === '') return 1;
  if (text.trim() === 'auto') return Math.max(1, cpus);
  const count = Number(text);
  return Number.isInteger(count) && count >= 1 && count <= 256
    ? count
    : `--workers: expected a number from 1 to 256 or 'auto', got '${text}'`;
}

export const isWorker = () => cluster.isWorker;
