import { createHash } from 'node:crypto';
import { GatewayError } from '@exai/core';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createStore, localOwner, type OwnerScope, type Store, type StoreOptions } from '../src/index.js';
import { migrate } from '../src/migrations.js';
import { type OpenedDatabase, openPostgres, openSqlite } from '../src/open-database.js';
import { providerUpload, useStores } from './harness.js';
import type { Backend } from './services.js';

const alice: OwnerScope = { owner: 'key:alice' };
const bob: OwnerScope = { owner: 'key:bob' };
const admin: OwnerScope = { owner: 'admin:root', admin: true };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What an error says, for comparing the answer to a foreign id with the answer to an unknown one. */
async function failureOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!GatewayError.isInstance(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

function openLocation(location: StoreOptions): Promise<OpenedDatabase> {
  return location.databaseUrl ? openPostgres(location.databaseUrl, 2) : openSqlite(location.dataDir!);
}

/** Owners on threads, turns, files and provider uploads, filtered in the queries; the same on every backend. */
export function defineTenancySuite(backend: Backend): void {
  describe(`tenancy (${backend.name})`, () => {
    const stores = useStores(backend);

    it("one owner cannot list, read, continue or delete another owner's thread; an unknown id answers the same", async () => {
      const { store } = await stores.fresh();
      const thread = await store.createThread(alice, { title: 'secret plan' });
      expect(thread.owner).toBe('key:alice');
      await store.appendTurn(alice, thread.id, { role: 'user', content: 'the secret' });

      expect(await store.listThreads(bob)).toEqual([]);
      expect(await store.getThread(bob, thread.id)).toBeUndefined();
      expect(await store.listTurns(bob, thread.id)).toEqual([]);
      expect(await store.deleteThread(bob, thread.id)).toBe(false);

      const foreign = await failureOf(store.appendTurn(bob, thread.id, { role: 'user', content: 'sneak in' }));
      const unknown = await failureOf(store.appendTurn(bob, 'thr_doesnotexist', { role: 'user', content: 'sneak in' }));
      expect(foreign.code).toBe('not_found');
      expect(foreign.message.replace(thread.id, 'ID')).toBe(unknown.message.replace('thr_doesnotexist', 'ID'));

      // Alice's thread is untouched by all of that.
      expect((await store.listTurns(alice, thread.id)).map((turn) => turn.content)).toEqual(['the secret']);
      expect((await store.listThreads(alice)).map((item) => item.id)).toEqual([thread.id]);
      expect(await store.deleteThread(alice, thread.id)).toBe(true);
      expect(await store.getThread(alice, thread.id)).toBeUndefined();
    });

    it('an admin scope sees, continues and deletes every owner, with the owner in each record', async () => {
      const { store } = await stores.fresh();
      const first = await store.createThread(alice, { title: 'a' });
      const second = await store.createThread(bob, { title: 'b' });
      const owners = (await store.listThreads(admin)).map((thread) => [thread.id, thread.owner]).sort();
      expect(owners).toEqual(
        [
          [first.id, 'key:alice'],
          [second.id, 'key:bob'],
        ].sort(),
      );
      expect(await store.getThread(admin, second.id)).toMatchObject({ owner: 'key:bob' });
      await store.appendTurn(admin, second.id, { role: 'user', content: 'from the admin' });
      expect((await store.listTurns(bob, second.id)).map((turn) => turn.content)).toEqual(['from the admin']);
      // A thread the admin creates is the admin's own, not everyone's.
      const own = await store.createThread(admin);
      expect(own.owner).toBe('admin:root');
      expect(await store.getThread(alice, own.id)).toBeUndefined();
      expect(await store.deleteThread(admin, first.id)).toBe(true);
      expect(await store.listThreads(alice)).toEqual([]);
    });

    it("files: another owner's id is unknown to get, read, list and delete; identical content stays shared", async () => {
      const { store } = await stores.fresh();
      const mine = await store.putFile(alice, { filename: 'a.txt', data: 'same bytes' });
      const theirs = await store.putFile(bob, { filename: 'b.txt', data: 'same bytes' });
      expect([mine.owner, theirs.owner]).toEqual(['key:alice', 'key:bob']);

      expect((await store.listFiles(bob)).map((file) => file.id)).toEqual([theirs.id]);
      expect(await store.getFile(bob, mine.id)).toBeUndefined();
      expect(await store.deleteFile(bob, mine.id)).toBe(false);
      const foreign = await failureOf(store.readFileContent(bob, mine.id));
      const unknown = await failureOf(store.readFileContent(bob, 'file_doesnotexist'));
      expect(foreign.code).toBe('not_found');
      expect(foreign.message.replace(mine.id, 'ID')).toBe(unknown.message.replace('file_doesnotexist', 'ID'));

      // Bob deleting his copy leaves Alice's content in place (content is stored once per sha256).
      expect(await store.deleteFile(bob, theirs.id)).toBe(true);
      expect((await store.readFileContent(alice, mine.id)).toString()).toBe('same bytes');
      expect((await store.listFiles(admin)).map((file) => [file.id, file.owner])).toEqual([[mine.id, 'key:alice']]);
      expect((await store.readFileContent(admin, mine.id)).toString()).toBe('same bytes');
      expect(await store.deleteFile(admin, mine.id)).toBe(true);
      expect(await store.listFiles(alice)).toEqual([]);
    });

    it('provider uploads are deduplicated per owner and listed and deleted per owner', async () => {
      const { store } = await stores.fresh();
      const hash = sha256('report');
      await store.recordProviderUpload(alice, providerUpload('kimi', 'kf-a', hash, 'report.pdf'));
      expect(await store.findProviderUpload(bob, 'kimi', hash)).toBeUndefined();
      expect(await store.listProviderUploads(bob)).toEqual([]);
      expect(await store.deleteProviderUpload(bob, 'kimi', 'kf-a')).toBe(false);
      await store.recordProviderUpload(bob, providerUpload('kimi', 'kf-b', hash, 'report.pdf'));
      expect(await store.findProviderUpload(alice, 'kimi', hash)).toMatchObject({
        providerFileId: 'kf-a',
        owner: 'key:alice',
      });
      expect(await store.findProviderUpload(bob, 'kimi', hash)).toMatchObject({
        providerFileId: 'kf-b',
        owner: 'key:bob',
      });
      expect((await store.listProviderUploads(admin)).map((upload) => upload.owner).sort()).toEqual([
        'key:alice',
        'key:bob',
      ]);
      expect(await store.deleteProviderUpload(admin, 'kimi', 'kf-a')).toBe(true);
      expect(await store.listProviderUploads(alice)).toEqual([]);
    });

    it("the request log: one owner never lists or sums another owner's requests; an admin sees every owner", async () => {
      const { store } = await stores.fresh();
      const startedAt = Date.now();
      const call = (owner: string, apiKeyId: string, cost: number) => ({
        request: { route: '/v1/chat/completions', status: 200, latencyMs: 1, owner, apiKeyId, cost },
        attempts: [{ provider: 'glm', model: 'glm-4.6', outcome: 'success', latencyMs: 1, startedAt, cost }],
      });
      // Two keys of one tenant (acme) and a key of another.
      await store.recordRequests([
        call('acme', 'key_a1', 0.25),
        call('acme', 'key_a2', 0.5),
        call('key:bob', 'key:bob', 1),
      ]);

      const acme = await store.listRequests({ owner: 'acme' });
      expect(acme.map((request) => request.apiKeyId).sort()).toEqual(['key_a1', 'key_a2']);
      expect(acme.every((request) => request.owner === 'acme')).toBe(true);
      expect((await store.listRequests(bob)).map((request) => request.apiKeyId)).toEqual(['key:bob']);
      expect(await store.listRequests(alice)).toEqual([]);
      expect(await store.spendSummary(alice, { since: 0 })).toEqual([]);
      const bobs = await store.spendSummary(bob, { since: 0 });
      expect(bobs.map((row) => [row.apiKeyId, row.cost])).toEqual([['key:bob', 1]]);
      expect((await store.spendSummary({ owner: 'acme' }, { since: 0 })).map((row) => row.apiKeyId).sort()).toEqual([
        'key_a1',
        'key_a2',
      ]);

      expect(await store.listRequests(admin)).toHaveLength(3);
      expect((await store.spendSummary(admin, { since: 0 })).map((row) => row.apiKeyId)).toEqual([
        'key:bob',
        'key_a2',
        'key_a1',
      ]);
      // A request logged without an owner belongs to the local tenant.
      await store.recordRequest({ route: '/mcp', status: 200, latencyMs: 1 });
      expect((await store.listRequests({ owner: localOwner })).map((request) => request.owner)).toEqual([localOwner]);
      expect(() => store.listRequests({ owner: '' })).toThrow(/owner/);
      expect(() => store.spendSummary({ owner: '' }, { since: 0 })).toThrow(/owner/);
    });

    it("request-log rows from before owners belong to their key's tenant after the migration", async () => {
      const { location } = await stores.fresh();
      const opened = await openLocation(location);
      try {
        const db = opened.db as unknown as Kysely<unknown>;
        const dialect = location.databaseUrl ? 'postgres' : 'sqlite';
        await migrate(db, dialect, opened.schema, '0006_background_responses');
        await sql`insert into api_keys (id, name, hash, created_at, owner) values ('key_0000000000000001', 'ci', 'h', 1, 'acme'), ('key_0000000000000002', 'solo', 'h2', 1, null)`.execute(
          db,
        );
        for (const [id, key] of [
          ['req_1', 'key_0000000000000001'],
          ['req_2', 'key_0000000000000002'],
          ['req_3', 'key:abc'],
          ['req_4', 'anonymous'],
          ['req_5', null],
        ] as const)
          await sql`insert into requests (id, created_at, route, status, latency_ms, api_key_id) values (${id}, 1, 'r', 200, 1, ${key})`.execute(
            db,
          );
      } finally {
        await opened.db.destroy();
      }
      const store: Store = stores.another(location);
      const ids = async (scope: OwnerScope) => (await store.listRequests(scope)).map((request) => request.id).sort();
      expect(await ids({ owner: 'acme' })).toEqual(['req_1']);
      expect(await ids({ owner: 'key_0000000000000002' })).toEqual(['req_2']);
      expect(await ids({ owner: 'key:abc' })).toEqual(['req_3']);
      expect(await ids({ owner: localOwner })).toEqual(['req_4', 'req_5']);
      expect(await ids(admin)).toHaveLength(5);
    });

    it('a scope without an owner is refused, never read as "every owner"', async () => {
      const { store } = await stores.fresh();
      await store.createThread(alice);
      expect(() => store.listThreads({ owner: '' })).toThrow(/owner/);
      expect(() => store.listFiles({ admin: true } as unknown as OwnerScope)).toThrow(/owner/);
    });

    it('rows of the schema before owners are kept by the migration and belong to the local owner', async () => {
      const { location } = await stores.fresh();
      const opened = await openLocation(location);
      const created = 1_700_000_000_000;
      const farFuture = Date.now() + 24 * 3600_000;
      try {
        const db = opened.db as unknown as Kysely<unknown>;
        const dialect = location.databaseUrl ? 'postgres' : 'sqlite';
        expect(await migrate(db, dialect, opened.schema, '0001_initial')).toEqual(['0001_initial']);
        await sql`insert into threads (id, created_at, updated_at, expires_at, title) values ('thr_old', ${created}, ${created}, ${farFuture}, 'from before')`.execute(
          db,
        );
        await sql`insert into turns (thread_id, seq, role, content, created_at) values ('thr_old', 1, 'user', 'old question', ${created})`.execute(
          db,
        );
        await sql`insert into files (id, sha256, filename, bytes, content_type, created_at, storage) values ('file_old', ${sha256('old')}, 'old.txt', 3, 'text/plain', ${created}, 'database')`.execute(
          db,
        );
        await sql`insert into file_contents (sha256, content) values (${sha256('old')}, ${Buffer.from('old')})`.execute(
          db,
        );
        await sql`insert into provider_uploads (provider, provider_file_id, sha256, filename, created_at) values ('kimi', 'kf-old', ${sha256('old')}, 'old.txt', ${created})`.execute(
          db,
        );
      } finally {
        await opened.db.destroy();
      }

      const store: Store = stores.another(location);
      const local: OwnerScope = { owner: localOwner };
      expect(await store.getThread(local, 'thr_old')).toMatchObject({ title: 'from before', owner: 'local' });
      expect((await store.listTurns(local, 'thr_old')).map((turn) => turn.content)).toEqual(['old question']);
      await store.appendTurn(local, 'thr_old', { role: 'assistant', content: 'still works' });
      expect(await store.getFile(local, 'file_old')).toMatchObject({ filename: 'old.txt', owner: 'local' });
      expect((await store.readFileContent(local, 'file_old')).toString()).toBe('old');
      expect(await store.findProviderUpload(local, 'kimi', sha256('old'))).toMatchObject({
        providerFileId: 'kf-old',
        owner: 'local',
      });
      // A key's tenant does not see them; an admin does, with the owner shown.
      expect(await store.getThread(alice, 'thr_old')).toBeUndefined();
      expect(await store.listFiles(alice)).toEqual([]);
      expect((await store.listThreads(admin)).map((thread) => [thread.id, thread.owner])).toEqual([
        ['thr_old', 'local'],
      ]);
      const reopened = createStore(location);
      try {
        expect(await reopened.listTurns(local, 'thr_old')).toHaveLength(2);
      } finally {
        await reopened.close();
      }
    });
  });
}
