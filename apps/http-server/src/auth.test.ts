import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@exai/core';
import { createStore, localOwner } from '@exai/store';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuth } from './auth.js';

const store = createStore({ dataDir: mkdtempSync(join(tmpdir(), 'exai-auth-')) });
const logger = createLogger({ level: 'silent' });
afterAll(() => store.close());

const remote = { remoteAddress: '203.0.113.7' };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** An auth over `apiKeys` (no admin keys, no limit) that takes loopback callers as admins. */
const loopbackAdminAuth = (apiKeys: string[]) =>
  createAuth({ apiKeys, adminKeys: [], loopbackAdmin: true, rateLimitRpm: 0, store, logger, storeHasKeys: false });

describe('createAuth', () => {
  it('accepts configured keys and keys created in the store, refuses others', async () => {
    const stored = await store.createApiKey('ci', { rateLimit: 1 });
    const auth = createAuth({
      apiKeys: ['sk-env-key-1'],
      adminKeys: [],
      rateLimitRpm: 0,
      store,
      logger,
      storeHasKeys: true,
    });
    expect(await auth.check(bearer('sk-env-key-1'), remote)).toMatchObject({ ok: true });
    expect(await auth.check({ 'x-api-key': stored.key }, remote)).toEqual({
      ok: true,
      keyId: stored.id,
      scope: { owner: stored.id },
    });
    expect(await auth.check(bearer('sk-env-key-2'), remote)).toMatchObject({ ok: false, status: 401 });
    expect(await auth.check({}, remote)).toMatchObject({
      ok: false,
      status: 401,
      body: { error: { code: 'invalid_api_key' } },
    });
    // the stored key's own limit (1 rpm) wins over the default (off)
    expect((await auth.limit(stored.id)).allowed).toBe(true);
    expect(await auth.limit(stored.id)).toMatchObject({ allowed: false });
  });

  it('admin routes need an admin key, from loopback too unless loopbackAdmin is set', async () => {
    const auth = createAuth({
      apiKeys: ['sk-client'],
      adminKeys: ['sk-admin'],
      rateLimitRpm: 0,
      store,
      logger,
      storeHasKeys: false,
    });
    expect(await auth.check(bearer('sk-admin'), { admin: true, ...remote })).toMatchObject({ ok: true });
    expect(await auth.check(bearer('sk-client'), { admin: true, ...remote })).toMatchObject({ ok: false, status: 403 });
    expect(await auth.check({}, { admin: true, ...remote })).toMatchObject({ ok: false, status: 401 });
    expect(await auth.check({}, { admin: true, remoteAddress: '::ffff:127.0.0.1' })).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(await auth.check(bearer('sk-client'), { admin: true, remoteAddress: '127.0.0.1' })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await auth.check(bearer('sk-admin'), { admin: true, remoteAddress: '127.0.0.1' })).toMatchObject({
      ok: true,
    });
    const local = loopbackAdminAuth(['sk-client']);
    expect(await local.check({}, { admin: true, remoteAddress: '::ffff:127.0.0.1' })).toMatchObject({
      ok: true,
      keyId: 'loopback',
    });
    expect(await local.check({}, { admin: true, ...remote })).toMatchObject({ ok: false, status: 401 });
  });

  it('open mode (no key anywhere) has no admin unless loopbackAdmin is set', async () => {
    const open = createAuth({ apiKeys: [], adminKeys: [], rateLimitRpm: 0, store, logger, storeHasKeys: false });
    expect(await open.check({}, { admin: true, remoteAddress: '127.0.0.1' })).toMatchObject({ ok: false, status: 401 });
    const local = loopbackAdminAuth([]);
    expect(await local.check({}, { admin: true, remoteAddress: '127.0.0.1' })).toMatchObject({ ok: true });
  });

  it('gives each key its own tenant, an admin key the admin scope, and open mode one local tenant', async () => {
    const keyed = createAuth({
      apiKeys: ['sk-a', 'sk-b'],
      adminKeys: ['sk-admin'],
      rateLimitRpm: 0,
      store,
      logger,
      storeHasKeys: false,
    });
    const a = await keyed.check(bearer('sk-a'), remote);
    const b = await keyed.check(bearer('sk-b'), remote);
    if (!a.ok || !b.ok) throw new Error('keys refused');
    expect(a.scope).toEqual({ owner: a.keyId });
    expect(b.scope.owner).not.toBe(a.scope.owner);
    expect(JSON.stringify(a)).not.toContain('sk-a');
    expect(await keyed.check(bearer('sk-admin'), remote)).toMatchObject({ ok: true, scope: { admin: true } });
    const open = createAuth({ apiKeys: [], adminKeys: [], rateLimitRpm: 0, store, logger, storeHasKeys: false });
    const fromLoopback = await open.check({}, { remoteAddress: '127.0.0.1' });
    const fromElsewhere = await open.check({}, remote);
    expect(fromLoopback).toMatchObject({ ok: true, scope: { owner: localOwner } });
    expect(fromElsewhere).toMatchObject({ ok: true, scope: { owner: localOwner } });
    expect(fromElsewhere.ok && fromElsewhere.scope.admin).toBeFalsy();
  });

  it('is open when no key exists anywhere', async () => {
    const auth = createAuth({ apiKeys: [], adminKeys: [], rateLimitRpm: 0, store, logger, storeHasKeys: false });
    expect(auth.open).toBe(true);
    expect(await auth.check({}, remote)).toMatchObject({ ok: true });
  });
});
