import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
//#region basic
import { loadConfig } from '@exai/core';
import { createStore } from '@exai/store';
//#endregion basic

/** `@exai/store`: threads, files, API keys and the shared-state seams (SQLite in a temporary data dir here). */
export async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'exai-example-store-'));
  const env = { EXAI_DATA_DIR: dataDir }; // stands for process.env
  const source = 'export const auth = true;\n';
  const request = { headers: { 'x-api-key': '' } };
  try {
    //#region basic
    const store = createStore(loadConfig({ env }).store); // reads EXAI_DATA_DIR, DATABASE_URL, REDIS_URL
    const me = { owner: 'key_123' }; // the caller's tenant; { owner, admin: true } sees all
    const thread = await store.createThread(me, { title: 'code review', model: 'glm-4.6' });
    const file = await store.putFile(me, { filename: 'auth.ts', data: source, contentType: 'text/plain' });
    await store.appendTurn(me, thread.id, { role: 'user', content: 'Review auth.ts', files: [file.id] });
    const history = await store.listTurns(me, thread.id, { limit: 20 }); // latest 20, oldest first

    const earlier = await store.findProviderUpload(me, 'kimi', file.sha256); // upload once per provider and owner

    const { id, key } = await store.createApiKey('ci'); // show `key` once; only its hash is stored
    request.headers['x-api-key'] = key;
    const caller = await store.verifyApiKey(request.headers['x-api-key']); // undefined when bad/revoked

    const release = await store.shared.semaphore.tryAcquire('provider:glm', 16, 120_000);
    await release?.();
    await store.close();
    //#endregion basic
    assert.equal(history.length, 1);
    assert.equal(earlier, undefined);
    assert.equal(caller?.id, id);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
