import { createHash } from 'node:crypto';
import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { everyone, manualClock, me, providerUpload, useStores } from './harness.js';
import type { Backend } from './services.js';

/** Files, provider uploads, request log and API keys, the same on every backend. */
export function defineRecordSuite(backend: Backend): void {
  describe(`files, uploads, requests and keys (${backend.name})`, () => {
    const stores = useStores(backend);
    const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

    it('stores a file and reads its bytes back', async () => {
      const { store } = await stores.fresh();
      const data = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      const file = await store.putFile(me, { filename: 'blob.bin', data, contentType: 'application/octet-stream' });
      expect(file).toMatchObject({
        filename: 'blob.bin',
        bytes: 7,
        sha256: sha256(data),
        contentType: 'application/octet-stream',
      });
      expect(file.storage).toBe(backend.name === 'postgres' ? 'database' : 'disk');
      expect(await store.getFile(me, file.id)).toEqual(file);
      expect((await store.readFileContent(me, file.id)).equals(data)).toBe(true);
      const text = await store.putFile(me, { filename: 'note.md', data: 'héllo' });
      expect((await store.readFileContent(me, text.id)).toString('utf8')).toBe('héllo');
      expect((await store.listFiles(me)).map((item) => item.id).sort()).toEqual([file.id, text.id].sort());
    });

    it('keeps shared content until the last file using it is deleted', async () => {
      const { store } = await stores.fresh();
      const first = await store.putFile(me, { filename: 'a.txt', data: 'same bytes' });
      const second = await store.putFile(me, { filename: 'b.txt', data: 'same bytes' });
      expect(first.sha256).toBe(second.sha256);
      expect(first.id).not.toBe(second.id);
      expect(await store.deleteFile(me, first.id)).toBe(true);
      expect(await store.deleteFile(me, first.id)).toBe(false);
      expect(await store.getFile(me, first.id)).toBeUndefined();
      expect((await store.readFileContent(me, second.id)).toString()).toBe('same bytes');
      await store.deleteFile(me, second.id);
      const error = await store.readFileContent(me, second.id).catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('not_found');
    });

    it('a file put through one instance is readable through another', async () => {
      const { store, location } = await stores.fresh();
      const file = await store.putFile(me, { filename: 'shared.txt', data: 'visible everywhere' });
      const other = stores.another(location);
      expect((await other.readFileContent(me, file.id)).toString()).toBe('visible everywhere');
    });

    it('finds an earlier provider upload of the same content, per provider', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now });
      const hash = sha256('report');
      await store.recordProviderUpload(
        me,
        providerUpload('kimi', 'kf-1', hash, 'report.pdf', { purpose: 'file-extract' }),
      );
      clock.advance(5);
      await store.recordProviderUpload(me, providerUpload('kimi', 'kf-2', hash, 'report.pdf'));
      await store.recordProviderUpload(me, providerUpload('glm', 'gf-1', sha256('other'), 'other.txt'));
      expect(await store.findProviderUpload(me, 'kimi', hash)).toMatchObject({ providerFileId: 'kf-2', purpose: null });
      expect(await store.findProviderUpload(me, 'glm', hash)).toBeUndefined();
      expect(
        (await store.listProviderUploads(me, { provider: 'kimi' })).map((upload) => upload.providerFileId),
      ).toEqual(['kf-2', 'kf-1']);
      expect(await store.listProviderUploads(me)).toHaveLength(3);
      expect(await store.deleteProviderUpload(me, 'kimi', 'kf-2')).toBe(true);
      expect(await store.deleteProviderUpload(me, 'kimi', 'kf-2')).toBe(false);
      expect(await store.findProviderUpload(me, 'kimi', hash)).toMatchObject({
        providerFileId: 'kf-1',
        purpose: 'file-extract',
      });
      // Recording the same provider file again updates it rather than failing.
      await store.recordProviderUpload(me, providerUpload('kimi', 'kf-1', hash, 'renamed.pdf'));
      expect(await store.findProviderUpload(me, 'kimi', hash)).toMatchObject({ filename: 'renamed.pdf' });
    });

    it('logs requests with their attempts, newest first', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now });
      const failedOver = await store.recordRequest(
        {
          route: '/v1/chat/completions',
          model: 'auto',
          provider: 'kimi',
          status: 200,
          latencyMs: 812.4,
          tokens: 120,
          apiKeyId: 'key_1',
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        },
        [
          {
            provider: 'glm',
            model: 'glm-4.6',
            outcome: 'error',
            errorCode: 'rate_limited',
            latencyMs: 40,
            startedAt: clock.now(),
          },
          {
            provider: 'kimi',
            model: 'kimi-k2',
            outcome: 'success',
            latencyMs: 770,
            tokens: 120,
            startedAt: clock.now() + 41,
          },
        ],
      );
      clock.advance(1_000);
      const plain = await store.recordRequest({ route: '/mcp', status: 499, latencyMs: 3 });
      const listed = await store.listRequests(everyone);
      expect(listed.map((request) => request.id)).toEqual([plain.id, failedOver.id]);
      expect(listed[0]).toMatchObject({ model: null, provider: null, tokens: null, apiKeyId: null, attempts: [] });
      expect(listed[0]!.traceId).toBeNull();
      expect(listed[1]).toMatchObject({ status: 200, latencyMs: 812, tokens: 120, apiKeyId: 'key_1' });
      expect(listed[1]!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(
        listed[1]!.attempts.map((attempt) => [attempt.seq, attempt.provider, attempt.outcome, attempt.errorCode]),
      ).toEqual([
        [1, 'glm', 'error', 'rate_limited'],
        [2, 'kimi', 'success', null],
      ]);
      expect(await store.listRequests(everyone, { limit: 1 })).toHaveLength(1);
    });

    it('logs a batch of requests in one call, attempts attached to the right request', async () => {
      const { store } = await stores.fresh();
      const batch = Array.from({ length: 250 }, (_, index) => ({
        request: { id: `batch-${index}`, route: '/v1/chat/completions', status: 200, latencyMs: index },
        attempts: [{ provider: 'glm', model: 'glm-4.6', outcome: 'success', latencyMs: index, startedAt: index }],
      }));
      const written = await store.recordRequests(batch);
      expect(written).toHaveLength(250);
      const listed = await store.listRequests(everyone, { limit: 300 });
      expect(listed).toHaveLength(250);
      const sample = listed.find((request) => request.id === 'batch-137');
      expect(sample).toMatchObject({ latencyMs: 137, attempts: [{ seq: 1, provider: 'glm', latencyMs: 137 }] });
      expect(await store.recordRequests([])).toEqual([]);
    });

    it('logs a second batch of the same size (the insert compiled once) with its own values', async () => {
      const { store } = await stores.fresh();
      const batchOf = (round: number) =>
        Array.from({ length: 60 }, (_, index) => ({
          request: {
            id: `r${round}-${index}`,
            route: '/v1/chat/completions',
            status: 200 + round,
            latencyMs: index,
            ...(index % 2 === 0 ? { model: `m${round}`, cost: index / 100, currency: 'USD' } : {}),
          },
          attempts: [
            { provider: `p${round}`, model: 'x', outcome: 'success', latencyMs: round, startedAt: index },
            ...(index % 3 === 0
              ? [{ provider: 'q', model: 'y', outcome: 'error', errorCode: 'timeout', latencyMs: 1, startedAt: 2 }]
              : []),
          ],
        }));
      for (const round of [1, 2, 3]) await store.recordRequests(batchOf(round));
      const listed = await store.listRequests(everyone, { limit: 500 });
      expect(listed).toHaveLength(180);
      const byId = new Map(listed.map((request) => [request.id, request]));
      for (const round of [1, 2, 3]) {
        expect(byId.get(`r${round}-42`)).toMatchObject({ status: 200 + round, model: `m${round}`, cost: 0.42 });
        expect(byId.get(`r${round}-41`)).toMatchObject({ status: 200 + round, model: null, cost: null });
        expect(byId.get(`r${round}-39`)!.attempts.map((attempt) => [attempt.provider, attempt.errorCode])).toEqual([
          [`p${round}`, null],
          ['q', 'timeout'],
        ]);
      }
    });

    it('verifies API keys by hash and stops accepting them once revoked', async () => {
      const { store } = await stores.fresh();
      const created = await store.createApiKey('ci', { rateLimit: 60 });
      expect(created.key).toMatch(/^sk-exai-[0-9a-f]{16}-[A-Za-z0-9_-]{43}$/);
      expect(await store.verifyApiKey(created.key)).toMatchObject({
        id: created.id,
        name: 'ci',
        rateLimit: 60,
        revokedAt: null,
      });
      const tampered = `${created.key.slice(0, -1)}${created.key.endsWith('A') ? 'B' : 'A'}`;
      expect(await store.verifyApiKey(tampered)).toBeUndefined();
      expect(
        await store.verifyApiKey('sk-exai-0000000000000000-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      ).toBeUndefined();
      expect(await store.verifyApiKey('not a key')).toBeUndefined();
      const listed = await store.listApiKeys();
      expect(listed).toHaveLength(1);
      expect(JSON.stringify(listed)).not.toContain(created.key.slice(-20));
      expect(await store.revokeApiKey(created.id)).toBe(true);
      expect(await store.revokeApiKey(created.id)).toBe(false);
      expect(await store.verifyApiKey(created.key)).toBeUndefined();
    });
  });
}
