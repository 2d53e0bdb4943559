import { GatewayError } from '@exai/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../src/index.js';
import { me, SCHEMA_VERSIONS } from './harness.js';
import { defineMaintenanceSuite } from './maintenance-suite.js';
import { defineRecordSuite } from './record-suite.js';
import { defineResponseSuite } from './response-suite.js';
import { postgresBackend, postgresUrl, schemaUrl, uniqueName } from './services.js';
import { defineSpendSuite } from './spend-suite.js';
import { defineTenancySuite } from './tenancy-suite.js';
import { defineThreadSuite } from './thread-suite.js';

defineThreadSuite(postgresBackend());
defineRecordSuite(postgresBackend());
defineMaintenanceSuite(postgresBackend());
defineTenancySuite(postgresBackend());
defineResponseSuite(postgresBackend());
defineSpendSuite(postgresBackend());

describe('postgres store', () => {
  const admin = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
  const schemas: string[] = [];
  let connected: Promise<void> | undefined;
  const freshSchema = async () => {
    connected ??= admin.connect().then(
      () => undefined,
      (error: Error) => {
        throw new Error(
          `Postgres is not reachable at ${postgresUrl} (${error.message}). Start it (CI: .ci/run starts it) or set TEST_DATABASE_URL.`,
        );
      },
    );
    await connected;
    const schema = uniqueName('exai_test');
    await admin.query(`create schema ${schema}`);
    schemas.push(schema);
    return schema;
  };
  afterAll(async () => {
    if (!connected) return;
    for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('two instances migrating the same empty database at once both succeed, and migrate once', async () => {
    const schema = await freshSchema();
    const stores = [0, 1, 2].map(() => createStore({ databaseUrl: schemaUrl(schema), poolSize: 2 }));
    try {
      await Promise.all(stores.map((store) => store.ready()));
      const versions = await admin.query(`select name from ${schema}.exai_schema_version`);
      expect(versions.rows.map((row: { name: string }) => row.name)).toEqual(SCHEMA_VERSIONS);
      const thread = await stores[0]!.createThread(me, { title: 'after a race' });
      expect(await stores[2]!.getThread(me, thread.id)).toMatchObject({ title: 'after a race' });
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('keeps file contents in the database and timestamps as numbers', async () => {
    const schema = await freshSchema();
    const store = createStore({ databaseUrl: schemaUrl(schema) });
    try {
      const file = await store.putFile(me, { filename: 'x.bin', data: new Uint8Array([1, 2, 3]) });
      const row = await admin.query(
        `select octet_length(content) as length from ${schema}.file_contents where sha256 = $1`,
        [file.sha256],
      );
      expect(row.rows[0]).toEqual({ length: 3 });
      expect(typeof (await store.getFile(me, file.id))?.createdAt).toBe('number');
    } finally {
      await store.close();
    }
  });

  it('an unreachable database is a StoreUnavailableError naming Postgres, and opening is retried on next use', async () => {
    const store = createStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test' });
    expect(store.dialect).toBe('postgres');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await store.ready().catch((caught: unknown) => caught);
      expect(GatewayError.isInstance(error) && error.code).toBe('store_unavailable');
      expect(GatewayError.isInstance(error) && error.statusCode).toBe(503);
      expect((error as Error).message).toBe("The gateway's store (Postgres) is unavailable; retry shortly");
    }
    await store.close();
  });
});
