import type { EventEmitter } from 'node:events';
import type { GatewayConfig, Logger, OpenAIErrorBody, RateLimitDecision } from '@exai/core';
import type { Engine, OwnerScope } from '@exai/engine';
import type { AppTracing, HeadersLike } from '@exai/otel';
import type { Store } from '@exai/store';
import type { ToolRegistry } from '@exai/tools';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * What every route module receives. The seam between the app wiring (`app.ts`) and the modules
 * written beside it: `mountTools(app, deps)`, `mountDashboard(app, deps)`, `attachWebSocket(server, deps)`.
 */

/** The HTTP app (Fastify, chosen by measurement: docs/decisions/0008-http-framework.md). Routes mount on it. */
export type App = FastifyInstance;

/** Request headers as Fastify/Node (`IncomingHttpHeaders`) or the fetch API give them (the type of @exai/otel). */
export type { HeadersLike };

export interface AuthCheckOptions {
  /** Require an admin key (`EXAI_ADMIN_KEYS`); a loopback client passes only with `EXAI_LOOPBACK_ADMIN=1`. */
  admin?: boolean;
  /** With `admin`: a stored key with admin rights passes too, confined to its tenant (`tenant` in the result). */
  keyAdmin?: boolean;
  /** The client's address (`socket.remoteAddress`), for the loopback exemptions. */
  remoteAddress?: string;
}

export type AuthResult =
  /** `scope`: the tenant the caller's threads and files belong to (see `callerScope` in auth.ts). */
  | {
      ok: true;
      keyId: string;
      scope: OwnerScope;
      /** Key management confined to this tenant (a stored admin key); undefined for the gateway's admin keys. */
      tenant?: string;
    }
  | { ok: false; status: number; body: OpenAIErrorBody; headers?: Record<string, string> };

export interface Auth {
  /**
   * Verifies `Authorization: Bearer <key>` (or `x-api-key`); constant-time for configured keys, hashed lookup for
   * stored keys.
   */
  check(headers: HeadersLike, options?: AuthCheckOptions): Promise<AuthResult>;
  /** Takes one token from the key's bucket (`EXAI_RATE_LIMIT_RPM`, shared through Redis when configured). */
  limit(keyId: string): Promise<RateLimitDecision>;
  /** Drains the key's tokens-per-minute bucket by what a finished call used (keys with `tokensPerMinute`). */
  countTokens?(keyId: string, tokens: number): Promise<void>;
  /** True when no key of any kind is configured (first-run mode). */
  readonly open: boolean;
}

/** One finished request, as the dashboard shows it. */
export interface RecentRequest {
  /** Epoch ms when the request finished. */
  time: number;
  route: string;
  model: string | null;
  provider: string | null;
  status: number;
  latencyMs: number;
  /** Times a broken stream of this request was continued by another target (absent: none). */
  resumed?: number;
}

/** What the app records for a finished request, beyond what the dashboard shows. */
export interface RecordedRequest extends RecentRequest {
  tokens?: { prompt: number; completion: number };
  /** Upstream attempts of this request: provider and outcome (`ok`, `timeout`, ...). */
  attempts?: Array<{ provider: string; outcome: string }>;
  fellBack?: boolean;
  /** The response cache's verdict when it applied. */
  cache?: 'hit' | 'miss';
  /** What the request cost (USD). */
  cost?: number;
  /** The targets that continued a broken stream of this request, in order. */
  resumptions?: Array<{ provider: string }>;
}

export interface RecentRequests {
  /** Oldest first. */
  toArray(): RecentRequest[];
  readonly size: number;
  readonly capacity: number;
}

/** An upstream call another worker of the group finished (`--workers N`), for the dashboard's per-provider figures. */
export interface PeerSession {
  status: string;
  provider: string | undefined;
  queuedAt: number;
  endedAt: number | undefined;
}

export interface MetricsEvents {
  /** Every finished request this dashboard shows: this worker's, and its group's. */
  request: [RecentRequest];
  peerSession: [PeerSession];
}

export interface Metrics {
  /** The prom-client registry served on `/metrics`. */
  readonly registry: Registry;
  /** The last requests (ring buffer). */
  readonly recent: RecentRequests;
  /** `request` after every finished request. */
  readonly events: EventEmitter<MetricsEvents>;
  /** Records one finished request (count, latency histogram, attempts, tokens, recent, event). */
  recordRequest(request: RecordedRequest): void;
  /** Text exposition of every metric (refreshes the gauges first). */
  render(): Promise<string>;
  /** HTTP in-flight gauge (optional so test doubles need not implement it). */
  requestStarted?(): void;
  requestFinished?(): void;
}

export interface AppDeps {
  engine: Engine;
  /** The store the composition root gave the engine: API keys, files, threads. */
  store: Store;
  config: GatewayConfig;
  logger: Logger;
  auth: Auth;
  metrics: Metrics;
  tools?: ToolRegistry;
  /** OpenTelemetry, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: every request gets a span. */
  tracing?: AppTracing;
}
