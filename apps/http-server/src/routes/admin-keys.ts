import { NotFoundError } from '@exai/core';
import { periodStart } from '@exai/engine';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { validateBody } from '../chat-schema.js';
import type { App, AppDeps } from '../deps.js';
import { errorBody } from '../errors.js';
import { keyPolicySchema, keyView, toPolicy } from '../key-policy.js';

/**
 * `/v1/admin/keys`: API keys as a product. The gateway's admin keys (`EXAI_ADMIN_KEYS`) manage every
 * key; a stored key created with `admin: true` manages the keys of its own tenant (its owner) only,
 * and another tenant's key answers as an unknown one (404).
 */

const idSchema = z.string().regex(/^key_[0-9a-f]{16}$/);
const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(100) });
const spendQuery = z.strictObject({ period: z.enum(['day', 'month']).default('day') });

/** The tenant the caller manages; undefined for the gateway's admin keys (every tenant). */
const tenantOf = (request: FastifyRequest) => request.exai.tenant;

function keyId(value: string): string {
  const parsed = idSchema.safeParse(value);
  if (!parsed.success)
    throw new NotFoundError({
      message: `No API key '${value.slice(0, 40)}' (ids look like key_<16 hex>)`,
      param: 'id',
    });
  return parsed.data;
}

export function mountAdminKeys(app: App, deps: AppDeps): void {
  const { store } = deps;
  const config = { keyAdmin: true };
  const ownerFilter = (request: FastifyRequest) => {
    const tenant = tenantOf(request);
    return tenant === undefined ? {} : { owner: tenant };
  };

  app.post('/v1/admin/keys', { config }, async (request, reply) => {
    const input = validateBody(keyPolicySchema, request.body);
    const tenant = tenantOf(request);
    if (tenant !== undefined && input.owner !== undefined && input.owner !== tenant)
      return reply
        .code(403)
        .send(
          errorBody('This key may only create keys for its own tenant', 'permission_error', 'tenant_mismatch', 'owner'),
        );
    const policy = toPolicy({ ...input, ...(tenant !== undefined ? { owner: tenant } : {}) });
    const created = await store.createApiKey(input.name, { ...policy, signal: request.exaiSignal });
    const record = await store.getApiKey(created.id);
    deps.logger.info({ apiKeyId: created.id, by: request.exai.keyId }, 'API key created');
    // The only time the secret leaves the gateway.
    return reply.code(201).send({ ...(await keyView(record!, store)), key: created.key });
  });

  app.get('/v1/admin/keys', { config }, async (request) => {
    const { limit } = validateBody(listQuery, request.query ?? {});
    const records = await store.listApiKeys({ limit, ...ownerFilter(request), signal: request.exaiSignal });
    return {
      object: 'list',
      data: await Promise.all(records.map((record) => keyView(record, store))),
    };
  });

  app.get<{ Params: { id: string } }>('/v1/admin/keys/:id', { config }, async (request) => {
    const id = keyId(request.params.id);
    const record = await store.getApiKey(id, { ...ownerFilter(request), signal: request.exaiSignal });
    if (!record) throw new NotFoundError({ message: `No API key '${id}'`, param: 'id' });
    return keyView(record, store);
  });

  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', { config }, async (request) => {
    const id = keyId(request.params.id);
    const revoked = await store.revokeApiKey(id, { ...ownerFilter(request), signal: request.exaiSignal });
    if (!revoked) throw new NotFoundError({ message: `No API key '${id}' that is not already revoked`, param: 'id' });
    deps.logger.info({ apiKeyId: id, by: request.exai.keyId }, 'API key revoked');
    return { id, object: 'api_key', revoked: true };
  });

  // Spend per key, provider and model for today or this month (UTC), the caller's tenant only.
  app.get('/v1/admin/spend', { config }, async (request) => {
    const { period } = validateBody(spendQuery, request.query ?? {});
    const start = periodStart(period, Date.now());
    const tenant = tenantOf(request);
    // The request log's rows carry their tenant: a tenant's admin key reads its own, a gateway admin every one.
    const scope = tenant === undefined ? { owner: request.exai.keyId ?? 'admin', admin: true } : { owner: tenant };
    const rows = await store.spendSummary(scope, { since: start, signal: request.exaiSignal });
    return {
      object: 'list',
      period,
      since: new Date(start).toISOString(),
      data: rows.map((row) => ({
        api_key_id: row.apiKeyId,
        provider: row.provider,
        model: row.model,
        cost: row.cost,
        attempts: row.attempts,
        cached_tokens: row.cachedTokens,
      })),
    };
  });
}
