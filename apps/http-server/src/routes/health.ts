import { GatewayError } from '@exai/core';
import { localOwner } from '@exai/store';
import type { App, AppDeps } from '../deps.js';

export interface HealthState {
  /** Set when shutdown starts: `/readyz` answers 503 so load balancers stop sending traffic. */
  draining: boolean;
}

/** `/healthz` (liveness), `/readyz` (store, migrations, providers), `/metrics` (admin). */
export function mountHealth(app: App, deps: AppDeps, state: HealthState): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const status = deps.engine.status();
    // Names and booleans only: the store's error (paths, hosts, driver text) goes to the log, not to the probe.
    const store: { ok: boolean; kind: string; shared: string; error?: string } = {
      ok: true,
      kind: status.store.kind,
      shared: status.store.shared,
    };
    try {
      const signal = AbortSignal.timeout(3_000);
      await deps.store.ready({ signal });
      await deps.store.listThreads({ owner: localOwner }, { limit: 1, signal });
    } catch (error) {
      store.ok = false;
      // The code only: driver messages name hosts and connection strings.
      store.error = GatewayError.isInstance(error) ? error.code : 'store_unavailable';
      deps.logger.warn({ err: error }, 'readyz: the store is not usable');
    }
    // A provider whose every key it rejected is held out (credentials) as surely as an open breaker.
    const usable = status.providers.filter(
      (provider) => provider.breaker !== 'open' && provider.heldKeys < provider.keys,
    );
    const ready = !state.draining && store.ok && usable.length > 0;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      ...(state.draining ? { draining: true } : {}),
      simulated: status.simulated,
      ...(status.simulated
        ? { note: 'no provider key is configured: serving the built-in simulator (answers are not from real models)' }
        : {}),
      store,
      providers: status.providers.map((provider) => ({
        id: provider.id,
        kind: provider.kind,
        breaker: provider.breaker,
        // Breakers where the fault is: one model's breaker open leaves the provider's other models serving.
        ...(provider.models.length > 0
          ? {
              models: provider.models.map((model) => ({
                model: model.model,
                ...(model.key !== undefined ? { key: model.key } : {}),
                breaker: model.state,
              })),
            }
          : {}),
        simulated: provider.simulated,
        ...(provider.heldKeys > 0
          ? { credentials: provider.heldKeys < provider.keys ? 'some_keys_held' : 'held' }
          : {}),
      })),
      usable_providers: usable.length,
      // Keys a provider rejected (by position in the provider's `keys`, never the key) and until when.
      ...(status.credentials.length > 0
        ? {
            held_keys: status.credentials.map((hold) => ({
              provider: hold.provider,
              key: hold.key,
              reason: hold.reason,
              until: new Date(hold.until).toISOString(),
            })),
          }
        : {}),
    });
  });

  app.get('/metrics', { config: { admin: true } }, async (_request, reply) =>
    reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.render()),
  );
}
