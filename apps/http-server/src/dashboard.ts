import { type BreakerState, percentile } from '@exai/core';
import type { BreakerStatus, ModelBreakerStatus } from '@exai/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dashboardPage } from './dashboard-page.js';
import { type SpendFigures, SpendReader } from './dashboard-spend.js';
import type { App, AppDeps, PeerSession, RecentRequest } from './deps.js';
import './request-info.js';

/**
 * `/dashboard`: a live page fed by `/dashboard/events` (SSE). Cheap on the hot path: a finished
 * request costs one push into two bounded buffers; snapshots are built only while a page is
 * connected, at most every `intervalMs`, and only when something changed (a request finished,
 * a session changed state, a breaker moved).
 */

export interface DashboardOptions {
  /** Least time between two updates sent to a page (ms). Default 250. */
  intervalMs?: number;
  /** Per-provider requests kept for percentiles and error rates. Default 500. */
  window?: number;
  /** Seconds of history in the charts. Default 60. */
  seriesSeconds?: number;
}

export interface ProviderFigures {
  id: string;
  kind: string;
  breaker: BreakerState;
  /** Model breakers of the provider that are not closed (one model's 429 storm, a `Retry-After` hold). */
  models: ModelBreakerStatus[];
  /** Set when the provider rejected the gateway's keys: `held` (every key) or `some_keys_held`. */
  credentials?: 'held' | 'some_keys_held';
  inFlight: number;
  queued: number;
  /** Upstream calls over the provider's recent window (every route and tool; cancelled ones left out). */
  requests: number;
  errors: number;
  errorRate: number;
  p50: number;
  p95: number;
}

export interface SeriesPoint {
  /** Epoch seconds. */
  time: number;
  requests: number;
  errors: number;
  p95: number;
}

export interface DashboardSnapshot {
  time: number;
  simulated: boolean;
  /** `requests`/`errors` since start; `errorRate` over the chart window; p50/p95 over the last `window` requests. */
  totals: {
    requests: number;
    errors: number;
    errorRate: number;
    /** Broken streams continued by another target, since start. */
    resumed: number;
    inFlight: number;
    queued: number;
    p50: number;
    p95: number;
  };
  providers: ProviderFigures[];
  /** Every breaker, `provider` or `model` scope. */
  breakers: BreakerStatus[];
  series: SeriesPoint[];
  /** Newest first. */
  recent: RecentRequest[];
  /** Spend, budgets, cache hit rate, fail-overs and stream rescues (read from the store every few seconds). */
  spend: SpendFigures;
}

/** 5xx and 429 count as errors (the gateway or a provider failed); 4xx are the caller's. */
export const isError = (status: number) => status >= 500 || status === 429;

/** The dashboard's own page and feed are not traffic. */
const isOwnRoute = (request: RecentRequest) =>
  request.route === '/dashboard' || request.route.startsWith('/dashboard/');

interface Bucket {
  second: number;
  requests: number;
  errors: number;
  latencies: number[];
}

/** One finished upstream call (an engine session) of a provider. */
interface Call {
  ok: boolean;
  latencyMs: number;
}

const FINAL = new Set(['completed', 'failed', 'timed_out', 'cancelled']);

/**
 * Figures kept from events: the app's finished requests (`metrics.events`: totals, charts) and the
 * engine's finished upstream calls (`engine.on('session')`: per-provider latency and error rate, whatever
 * route or tool made them). `snapshot()` joins them with the engine's live state.
 */
export class DashboardFeed {
  readonly #deps: AppDeps;
  readonly #window: number;
  readonly #seriesSeconds: number;
  readonly #perProvider = new Map<string, Call[]>();
  readonly #latencies: number[] = [];
  readonly #buckets: Bucket[] = [];
  #requests = 0;
  #errors = 0;
  #resumed = 0;
  readonly #onRequest = (request: RecentRequest) => this.record(request);
  readonly #onPeerSession = (session: PeerSession) => this.recordSession(session);
  readonly #offSession: () => void;
  readonly spend: SpendReader;

  constructor(deps: AppDeps, options: DashboardOptions = {}) {
    this.#deps = deps;
    this.spend = new SpendReader(deps);
    this.#window = options.window ?? 500;
    this.#seriesSeconds = options.seriesSeconds ?? 60;
    for (const request of deps.metrics.recent.toArray()) this.record(request);
    deps.metrics.events.on('request', this.#onRequest);
    deps.metrics.events.on('peerSession', this.#onPeerSession);
    this.#offSession = deps.engine.on('session', (session) => this.recordSession(session));
  }

  /** A finished HTTP or WebSocket request. */
  record(request: RecentRequest): void {
    if (isOwnRoute(request)) return;
    const failed = isError(request.status);
    this.#requests += 1;
    if (failed) this.#errors += 1;
    this.#resumed += request.resumed ?? 0;
    this.#latencies.push(request.latencyMs);
    if (this.#latencies.length > this.#window) this.#latencies.shift();
    const second = Math.floor(request.time / 1000);
    let bucket = this.#buckets.at(-1);
    if (!bucket || bucket.second !== second) {
      bucket = { second, requests: 0, errors: 0, latencies: [] };
      this.#buckets.push(bucket);
      if (this.#buckets.length > this.#seriesSeconds) this.#buckets.shift();
    }
    bucket.requests += 1;
    if (failed) bucket.errors += 1;
    if (bucket.latencies.length < 256) bucket.latencies.push(request.latencyMs);
  }

  /** An engine session changed state; finished ones count for their provider. */
  recordSession(session: {
    status: string;
    provider: string | undefined;
    queuedAt: number;
    endedAt: number | undefined;
  }): void {
    if (!FINAL.has(session.status) || session.status === 'cancelled' || !session.provider) return;
    let calls = this.#perProvider.get(session.provider);
    if (!calls) {
      calls = [];
      this.#perProvider.set(session.provider, calls);
    }
    calls.push({ ok: session.status === 'completed', latencyMs: (session.endedAt ?? Date.now()) - session.queuedAt });
    if (calls.length > this.#window) calls.shift();
  }

  snapshot(now = Date.now()): DashboardSnapshot {
    const status = this.#deps.engine.status();
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const providers: ProviderFigures[] = status.providers.map((provider) => {
      const calls = this.#perProvider.get(provider.id) ?? [];
      const latencies = sorted(calls.map((call) => call.latencyMs));
      const errors = calls.filter((call) => !call.ok).length;
      return {
        id: provider.id,
        kind: provider.kind,
        breaker: provider.breaker,
        models: provider.models,
        ...(provider.heldKeys > 0
          ? { credentials: provider.heldKeys < provider.keys ? ('some_keys_held' as const) : ('held' as const) }
          : {}),
        inFlight: provider.inFlight,
        queued: provider.queued,
        requests: calls.length,
        errors,
        errorRate: calls.length ? errors / calls.length : 0,
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
      };
    });
    const latencies = sorted(this.#latencies);
    const byFirstSecond = new Map(this.#buckets.map((bucket) => [bucket.second, bucket]));
    const last = Math.floor(now / 1000);
    const series: SeriesPoint[] = [];
    let windowErrors = 0;
    let windowRequests = 0;
    for (let second = last - this.#seriesSeconds + 1; second <= last; second += 1) {
      const bucket = byFirstSecond.get(second);
      windowErrors += bucket?.errors ?? 0;
      windowRequests += bucket?.requests ?? 0;
      series.push({
        time: second,
        requests: bucket?.requests ?? 0,
        errors: bucket?.errors ?? 0,
        p95: bucket ? percentile(sorted(bucket.latencies), 0.95) : 0,
      });
    }
    return {
      time: now,
      simulated: status.simulated,
      totals: {
        requests: this.#requests,
        errors: this.#errors,
        errorRate: windowRequests ? windowErrors / windowRequests : 0,
        resumed: this.#resumed,
        inFlight: status.sessions.inFlight,
        queued: status.sessions.queued,
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
      },
      providers,
      breakers: status.breakers,
      series,
      recent: this.#deps.metrics.recent
        .toArray()
        .filter((request) => !isOwnRoute(request))
        .slice(-25)
        .reverse(),
      spend: this.spend.current(),
    };
  }

  close(): void {
    this.#deps.metrics.events.off('request', this.#onRequest);
    this.#deps.metrics.events.off('peerSession', this.#onPeerSession);
    this.#offSession();
  }
}

/** Pages connected to `/dashboard/events`; changes are coalesced into one update per interval. */
class Broadcaster {
  readonly #feed: DashboardFeed;
  readonly #deps: AppDeps;
  readonly #intervalMs: number;
  readonly #clients = new Set<FastifyReply>();
  #timer: NodeJS.Timeout | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #changed = () => this.#schedule();

  constructor(feed: DashboardFeed, deps: AppDeps, intervalMs: number) {
    this.#feed = feed;
    this.#deps = deps;
    this.#intervalMs = intervalMs;
  }

  add(reply: FastifyReply): void {
    this.#clients.add(reply);
    reply.raw.on('close', () => this.#remove(reply));
    this.#write(reply, this.#feed.snapshot());
    if (this.#clients.size === 1) this.#start();
  }

  #remove(reply: FastifyReply): void {
    this.#clients.delete(reply);
    if (this.#clients.size === 0) this.#stop();
  }

  #start(): void {
    const { engine, metrics } = this.#deps;
    metrics.events.on('request', this.#changed);
    metrics.events.on('peerSession', this.#changed);
    const offSession = engine.on('session', this.#changed);
    const offBreaker = engine.on('breaker', this.#changed);
    this.#unsubscribe = () => {
      metrics.events.off('request', this.#changed);
      metrics.events.off('peerSession', this.#changed);
      offSession();
      offBreaker();
    };
    this.#keepAlive = setInterval(() => this.#schedule(), 5_000);
    this.#keepAlive.unref();
  }

  #stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#keepAlive);
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer || this.#clients.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const snapshot = this.#feed.snapshot();
      for (const client of this.#clients) this.#write(client, snapshot);
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #write(reply: FastifyReply, snapshot: DashboardSnapshot): void {
    // A page that reads slower than the updates come skips them (each snapshot replaces the last,
    // and the keep-alive sends a fresh one): its buffer never grows beyond one snapshot.
    if (reply.raw.writableNeedDrain) return;
    reply.raw.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
  }

  close(): void {
    this.#stop();
    for (const client of this.#clients) client.raw.end();
    this.#clients.clear();
  }
}

export function mountDashboard(app: App, deps: AppDeps, options: DashboardOptions = {}): void {
  const feed = new DashboardFeed(deps, options);
  const broadcaster = new Broadcaster(feed, deps, options.intervalMs ?? 250);
  const admin = async (request: FastifyRequest, reply: FastifyReply) => {
    // The app's onRequest hook checks admin routes; check here only when it has not run.
    if (request.exai?.keyId) return true;
    const result = await deps.auth.check(request.headers, { admin: true, remoteAddress: request.socket.remoteAddress });
    if (result.ok) return true;
    if (result.headers) reply.headers(result.headers);
    await reply.code(result.status).send(result.body);
    return false;
  };

  // The page itself holds no data and is public: a browser cannot send a bearer key on navigation, so
  // the page asks for the admin key and sends it to the feed. The feed and the snapshot are admin routes.
  app.get('/dashboard', { config: { public: true } }, async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
      .send(dashboardPage()),
  );

  app.get('/dashboard/snapshot', { config: { admin: true } }, async (request, reply) => {
    if (!(await admin(request, reply))) return reply;
    await feed.spend.read();
    return reply.header('cache-control', 'no-store').send(feed.snapshot());
  });

  app.get('/dashboard/events', { config: { admin: true } }, async (request, reply) => {
    if (!(await admin(request, reply))) return reply;
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    reply.raw.write('retry: 2000\n\n');
    broadcaster.add(reply);
    return reply;
  });

  app.addHook('preClose', async () => {
    broadcaster.close();
    feed.close();
  });
}
