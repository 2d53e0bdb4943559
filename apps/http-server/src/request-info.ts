import { parseTraceparent, type TraceSpan } from '@exai/core';
import type { EngineCallOptions, EngineMeta, OwnerScope } from '@exai/engine';
import type { FastifyRequest } from 'fastify';

/** What a route learned about its request, for metrics and the dashboard. */
export interface RequestInfo {
  startedAt: number;
  keyId?: string;
  /** The caller's tenant, set with `keyId` once the key is verified. */
  scope?: OwnerScope;
  /** Key management confined to this tenant (a stored key with admin rights); unset for the gateway's admin keys. */
  tenant?: string;
  model?: string;
  provider?: string;
  /** The status to record when it differs from the HTTP status (an in-band stream error). */
  status?: number;
  meta?: EngineMeta;
  /** The request's span when tracing is on: the engine's span is its child. */
  span?: TraceSpan;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Only admin keys may call this route (`EXAI_ADMIN_KEYS`; loopback too with `EXAI_LOOPBACK_ADMIN=1`). */
    admin?: boolean;
    /** Key management: admin keys, and stored keys with admin rights for their own tenant's keys. */
    keyAdmin?: boolean;
    /** Served without a key (a page that holds no data); `Host` and `Origin` are still checked. */
    public?: boolean;
  }
  interface FastifyRequest {
    exai: RequestInfo;
    /** Aborted when the client goes away before the answer is complete; pass it to the engine and the store. */
    exaiSignal: AbortSignal;
  }
}

/** The verified caller's tenant; a route reached without one (a public route) is a bug, not "everyone". */
export function requestScope(request: FastifyRequest): OwnerScope {
  const scope = request.exai?.scope;
  if (!scope) throw new Error('this route needs a verified caller');
  return scope;
}

export function describeMeta(request: FastifyRequest, meta: EngineMeta): void {
  request.exai.meta = meta;
  if (meta.model) request.exai.model = meta.model;
  if (meta.provider) request.exai.provider = meta.provider;
}

/**
 * The request's span for the engine's call options (only when tracing is on), and the trace id of a valid
 * `traceparent` header for the request log (tracing on or off).
 */
export function traceParent(request: FastifyRequest): { span?: TraceSpan; traceId?: string } {
  const traceId = parseTraceparent(request.headers.traceparent)?.traceId;
  return { ...(request.exai.span ? { span: request.exai.span } : {}), ...(traceId ? { traceId } : {}) };
}

/**
 * What every model route hands the engine about its request: the abort signal, the request id, the route,
 * the calling key, its tenant and the trace parent.
 */
export function engineCallOptions(request: FastifyRequest, route: string) {
  return {
    signal: request.exaiSignal,
    requestId: request.id,
    route,
    ...(request.exai.keyId ? { caller: request.exai.keyId } : {}),
    scope: requestScope(request),
    ...traceParent(request),
  } satisfies EngineCallOptions;
}
