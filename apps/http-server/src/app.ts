import { randomUUID } from 'node:crypto';
import type { HostGuard } from '@exai/core';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyReply } from 'fastify';
import { mountDashboard } from './dashboard.js';
import type { App, AppDeps } from './deps.js';
import { errorBody, handleError } from './errors.js';
import './request-info.js';
import { storeResponseState } from './responses/state.js';
import { mountAdminKeys } from './routes/admin-keys.js';
import { mountChat } from './routes/chat.js';
import { mountEmbeddings } from './routes/embeddings.js';
import { mountFiles } from './routes/files.js';
import { type HealthState, mountHealth } from './routes/health.js';
import { mountMessages } from './routes/messages.js';
import { mountModels } from './routes/models.js';
import { mountResponses } from './routes/responses.js';
import { hostGuardOf, type ServerSettings } from './settings.js';
import { mountTools } from './tools-routes.js';

export interface BuildAppOptions {
  settings: ServerSettings;
  health?: HealthState;
  /** `Host`/`Origin` allow-list. Default: loopback names plus `settings.allowedHosts`/`allowedOrigins`. */
  hostGuard?: HostGuard;
}

/** Probes answered for any `Host` and without a key: load balancers probe by address. */
const publicRoutes = new Set(['/healthz', '/readyz']);
/** Recorded in counters but kept off the dashboard's recent list. */
const quietRoutes = new Set(['/healthz', '/readyz', '/metrics']);

/** A header value quoted in an error, cut short. */
const quoted = (value: string) => (value.length > 100 ? `${value.slice(0, 100)}...` : value);

/** The Fastify app: hooks for auth, limits and metrics, every route, OpenAI-shaped errors. */
export async function buildApp(deps: AppDeps, options: BuildAppOptions): Promise<App> {
  const { settings } = options;
  const health = options.health ?? { draining: false };
  const hostGuard = options.hostGuard ?? hostGuardOf(settings, '127.0.0.1', deps.auth.open);
  const app = Fastify({
    bodyLimit: settings.maxBodyBytes,
    // While draining, requests already on a connection are served (and the connection closed after).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // node:crypto's randomUUID (a pooled random buffer); the global `crypto` getter costs a check per call.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // A URL the router cannot read (bad percent-encoding, a path segment over 100 characters) in OpenAI's shape too.
    frameworkErrors: (error, _request, reply) => {
      const code = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'path_too_long' : 'invalid_url';
      const message =
        code === 'path_too_long'
          ? 'A path segment (tool name, file id) is longer than 100 characters'
          : `The URL path is not valid: ${error.message}`;
      return (reply as FastifyReply).code(400).send(errorBody(message, 'invalid_request_error', code, 'url'));
    },
  });
  await app.register(multipart, { limits: { fileSize: settings.maxFileBytes, files: 1 }, throwFileSizeLimit: true });
  app.decorateRequest('exai', null as never);
  app.decorateRequest('exaiSignal', null as never);

  app.addHook('onRequest', async (request, reply) => {
    request.exai = { startedAt: performance.now() };
    const controller = new AbortController();
    request.exaiSignal = controller.signal;
    deps.metrics.requestStarted?.();
    reply.raw.once('close', () => {
      deps.metrics.requestFinished?.();
      if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
      const span = request.exai.span;
      if (span) {
        const status = reply.raw.writableFinished ? reply.raw.statusCode : 499;
        span.setAttributes({ 'http.response.status_code': status, 'exai.request_id': request.id });
        if (status >= 500 || request.exai.status !== undefined) span.fail(`answered ${request.exai.status ?? status}`);
        span.end();
      }
      const route = request.routeOptions.url ?? 'unmatched';
      if (quietRoutes.has(route)) return;
      const meta = request.exai.meta;
      const usage = meta?.usage;
      if (usage && request.exai.keyId)
        void deps.auth.countTokens?.(request.exai.keyId, usage.total_tokens)?.catch((error: unknown) => {
          deps.logger.warn({ err: error }, 'could not count the tokens of a call');
        });
      deps.metrics.recordRequest({
        time: Date.now(),
        route,
        model: request.exai.model ?? null,
        provider: request.exai.provider ?? null,
        status: request.exai.status ?? (reply.raw.writableFinished ? reply.raw.statusCode : 499),
        latencyMs: Math.round(performance.now() - request.exai.startedAt),
        ...(usage ? { tokens: { prompt: usage.prompt_tokens, completion: usage.completion_tokens } } : {}),
        ...(meta
          ? {
              attempts: meta.attempts.map((attempt) => ({ provider: attempt.provider, outcome: attempt.outcome })),
              fellBack: meta.fellBack,
              ...(meta.cache ? { cache: meta.cache } : {}),
              ...(meta.cost ? { cost: meta.cost.amount } : {}),
              ...(meta.resumed ? { resumptions: meta.resumed.map((point) => ({ provider: point.provider })) } : {}),
            }
          : {}),
      });
    });
    if (deps.tracing) {
      const url = request.routeOptions.url;
      request.exai.span = deps.tracing.startRequest(`${request.method} ${url ?? 'unmatched'}`, request.headers, {
        'http.request.method': request.method,
        'http.route': url,
        'url.path': request.url.split('?')[0],
      });
    }
    // Decided on the matched route, never the raw URL: `/%6Detrics` is routed to `/metrics`, and so is its flag.
    const route = request.routeOptions;
    if (route.url !== undefined && publicRoutes.has(route.url)) return;
    const host = request.headers.host;
    if (!hostGuard.hostAllowed(host)) {
      return reply
        .code(421)
        .send(
          errorBody(
            `Host '${quoted(host ?? '')}' is not served here; add it to EXAI_ALLOWED_HOSTS if it names this server`,
            'invalid_request_error',
            'misdirected_request',
          ),
        );
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !hostGuard.originAllowed(origin, host)) {
      return reply
        .code(403)
        .send(
          errorBody(
            `Origin '${quoted(origin)}' may not call this server; allow it with EXAI_ALLOWED_ORIGINS`,
            'permission_error',
            'origin_not_allowed',
          ),
        );
    }
    if (route.config?.public === true) return;
    const keyAdmin = route.config?.keyAdmin === true;
    const admin = route.config?.admin === true || keyAdmin;
    const result = await deps.auth.check(request.headers, {
      admin,
      keyAdmin,
      remoteAddress: request.socket.remoteAddress,
    });
    if (!result.ok) {
      if (result.status === 401) reply.header('www-authenticate', 'Bearer');
      return reply
        .code(result.status)
        .headers(result.headers ?? {})
        .send(result.body);
    }
    request.exai.keyId = result.keyId;
    request.exai.scope = result.scope;
    if (result.tenant !== undefined) request.exai.tenant = result.tenant;
    if (admin) return;
    const decision = await deps.auth.limit(result.keyId).catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
      return { allowed: true, remaining: 0, retryAfterMs: 0 };
    });
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .send(
          errorBody(
            `Rate limit reached for this API key; retry after ${seconds} s`,
            'rate_limit_error',
            'rate_limit_exceeded',
          ),
        );
    }
    if (Number.isFinite(decision.remaining))
      reply.header('x-ratelimit-remaining-requests', String(Math.floor(decision.remaining)));
  });

  app.setErrorHandler(handleError(deps));
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          `Unknown route: ${request.method} ${request.url.split('?')[0]}`,
          'invalid_request_error',
          'unknown_url',
        ),
      ),
  );

  mountHealth(app, deps, health);
  mountChat(app, deps);
  mountResponses(app, deps, storeResponseState(deps.store));
  mountMessages(app, deps);
  mountEmbeddings(app, deps);
  mountModels(app, deps, settings.modelsCacheMs);
  mountFiles(app, deps, settings.maxFileBytes);
  mountTools(app, deps);
  mountDashboard(app, deps);
  mountAdminKeys(app, deps);
  return app;
}
