import { EventEmitter } from 'node:events';
import type { Engine } from '@exai/engine';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, MetricsEvents, RecentRequest, RecordedRequest } from './deps.js';
import { RecentRequestBuffer } from './ring-buffer.js';
import type { Peers } from './workers.js';

export interface CreateMetricsOptions {
  engine: Engine;
  /** How many recent requests the dashboard keeps. Default 200. */
  recent?: number;
  /** Process metrics (CPU, memory, event loop). Default true. */
  defaultMetrics?: boolean;
  /**
   * A worker of `--workers N`: finished requests and upstream calls are shared with the other workers
   * (their dashboards show the group) and theirs arrive here; `/metrics` renders the group's sum.
   */
  peers?: Peers;
}

const FINISHED = new Set(['completed', 'failed', 'timed_out']);

const breakerValue = { closed: 0, half_open: 1, open: 2 } as const;

/** The label of a model or provider outside the configured catalog: made-up names must not mint series. */
export const OTHER_LABEL = 'other';

/**
 * Label values from the configured catalog and provider names only; anything else (a passed-through
 * `glm-anything` model, a name from a client) is `other`, so the number of series stays bounded.
 */
function labelsOf(engine: Engine) {
  const providers = new Set(engine.adapters().map((adapter) => adapter.id));
  const models = new Set(engine.catalog().map((info) => info.id));
  return {
    provider: (provider: string | null | undefined) =>
      !provider ? '' : providers.has(provider) ? provider : OTHER_LABEL,
    model: (model: string | null | undefined) => (!model ? '' : models.has(model) ? model : OTHER_LABEL),
  };
}

/** Prometheus metrics for one app instance (its own registry, so several apps can share a process). */
export function createMetrics(options: CreateMetricsOptions): Metrics {
  const { engine } = options;
  const registry = new Registry();
  const label = labelsOf(engine);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'exai_' });
  /** A counter in this registry: its name, what it counts, and its labels. */
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const labelNames = ['route', 'provider', 'model', 'status'] as const;
  const requests = counter(
    'exai_http_requests_total',
    'HTTP requests by route, provider, model and status',
    labelNames,
  );
  const latency = new Histogram({
    name: 'exai_http_request_duration_seconds',
    help: 'HTTP request latency by route, provider, model and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const attempts = counter('exai_upstream_attempts_total', 'Upstream attempts by provider and outcome', [
    'provider',
    'outcome',
  ]);
  const fallbacks = counter('exai_fallbacks_total', 'Requests answered by a fallback target', ['route']);
  const failovers = counter(
    'exai_failovers_total',
    'Requests that left a provider for another target (by the provider left)',
    ['provider'],
  );
  const cost = counter(
    'exai_cost_total',
    'What answered requests cost (USD, provider-reported usage at catalog prices) by provider and model',
    ['provider', 'model'],
  );
  const resumptions = counter(
    'exai_stream_resumptions_total',
    'Broken streams continued by another target, by route and the provider that continued',
    ['route', 'provider'],
  );
  const tokens = counter('exai_tokens_total', 'Tokens by provider, model and kind (prompt, completion)', [
    'provider',
    'model',
    'kind',
  ]);
  const cacheHits = counter(
    'exai_cache_hits_total',
    'Answers served from the response cache (no upstream attempt), by route',
    ['route'],
  );
  const cacheMisses = counter(
    'exai_cache_misses_total',
    'Cacheable requests the response cache could not answer, by route',
    ['route'],
  );
  const inFlightHttp = new Gauge({
    name: 'exai_http_in_flight',
    help: 'HTTP requests in flight',
    registers: [registry],
  });
  new Gauge({
    name: 'exai_breaker_state',
    help: 'Circuit breaker state per provider: 0 closed, 1 half open, 2 open',
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const provider of engine.status().providers)
        this.set({ provider: provider.id }, breakerValue[provider.breaker]);
    },
  });
  new Gauge({
    name: 'exai_breaker_scope_state',
    help:
      'Every circuit breaker by scope (provider, or model; key is the provider key position): 0 closed, 1 ' +
      'half open, 2 open',
    labelNames: ['scope', 'provider', 'model', 'key'],
    registers: [registry],
    collect() {
      this.reset();
      for (const breaker of engine.status().breakers) {
        const labels = {
          scope: breaker.scope,
          provider: label.provider(breaker.provider),
          model: label.model(breaker.model),
          key: breaker.keyIndex ?? '',
        };
        this.set(labels, breakerValue[breaker.state]);
      }
    },
  });
  new Counter({
    name: 'exai_provider_credential_failures_total',
    help: "Times a provider rejected the gateway's own key or account (401/403, balance, quota)",
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [provider, count] of Object.entries(engine.status().credentialFailures)) this.inc({ provider }, count);
    },
  });
  new Gauge({
    name: 'exai_upstream_in_flight',
    help: 'Upstream calls in flight per provider',
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const provider of engine.status().providers) this.set({ provider: provider.id }, provider.inFlight);
    },
  });
  new Gauge({
    name: 'exai_queue_depth',
    help: 'Upstream calls waiting for a concurrency slot',
    registers: [registry],
    collect() {
      this.set(engine.status().sessions.queued);
    },
  });
  const recent = new RecentRequestBuffer(options.recent ?? 200);
  const events = new EventEmitter<MetricsEvents>();
  const { peers } = options;
  if (peers) {
    peers.expose(registry);
    peers.on((event) => {
      if (event.kind === 'session') {
        events.emit('peerSession', event.session);
        return;
      }
      recent.push(event.request);
      events.emit('request', event.request);
    });
    engine.on('session', ({ status, provider, queuedAt, endedAt }) => {
      if (FINISHED.has(status)) peers.share({ kind: 'session', session: { status, provider, queuedAt, endedAt } });
    });
  }

  return {
    registry,
    recent,
    events,
    recordRequest(request: RecordedRequest) {
      // `route` is the matched route pattern (or `unmatched`), never the raw URL.
      const provider = label.provider(request.provider);
      const model = label.model(request.model);
      const labels = { route: request.route, provider, model, status: String(request.status) };
      requests.inc(labels);
      latency.observe(labels, request.latencyMs / 1000);
      for (const attempt of request.attempts ?? [])
        attempts.inc({ provider: label.provider(attempt.provider), outcome: attempt.outcome });
      if (request.cache === 'hit') cacheHits.inc({ route: request.route });
      else if (request.cache === 'miss') cacheMisses.inc({ route: request.route });
      if (request.fellBack) {
        fallbacks.inc({ route: request.route });
        const left = request.attempts?.[0]?.provider;
        if (left) failovers.inc({ provider: label.provider(left) });
      }
      if (request.cost && request.provider) cost.inc({ provider, model }, request.cost);
      for (const resumption of request.resumptions ?? [])
        resumptions.inc({ route: request.route, provider: label.provider(resumption.provider) });
      if (request.tokens && request.provider) {
        tokens.inc({ provider, model, kind: 'prompt' }, request.tokens.prompt);
        tokens.inc({ provider, model, kind: 'completion' }, request.tokens.completion);
      }
      const entry: RecentRequest = {
        time: request.time,
        route: request.route,
        model: request.model,
        provider: request.provider,
        status: request.status,
        latencyMs: request.latencyMs,
        ...(request.resumptions?.length ? { resumed: request.resumptions.length } : {}),
      };
      recent.push(entry);
      events.emit('request', entry);
      peers?.share({ kind: 'request', request: entry });
    },
    async render() {
      return peers ? peers.metrics() : registry.metrics();
    },
    requestStarted() {
      inFlightHttp.inc();
    },
    requestFinished() {
      inFlightHttp.dec();
    },
  };
}
