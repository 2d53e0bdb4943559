import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactSecrets } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, readSettings, startServer } from '../src/index.js';
import { json, post, simulatorConfig } from './helpers.js';

/**
 * Issue 10, hygiene over HTTP against the real app: prototype names are unknown models,
 * provider_options cannot take over the request, downloads are not sniffed, and nothing the
 * gateway prints (probes, tools, errors) reveals base URLs, store errors or allowed roots.
 */

const KEY = 'exai-hygiene-user-key-31f9';
const ADMIN = 'exai-hygiene-admin-key-8c2e';
const BASE_MARKER = 'basemark-7f3a91';
const PASSWORD_MARKER = 'pgpassmark-42d7';
const ROOT_MARKER = 'rootmark-5b6c';
const auth = { authorization: `Bearer ${KEY}` };

interface Started {
  sim: Simulator;
  server: RunningServer;
  close(): Promise<void>;
}

async function start(store: Record<string, unknown> = {}): Promise<Started> {
  const sim = await startSimulator({ port: 0 });
  const base = simulatorConfig(sim, { store: store as never });
  const config = loadConfig({
    env: {},
    input: {
      ...base,
      providers: {
        ...base.providers,
        // Nothing listens on port 1: every call to it fails, and its URL must never be shown.
        dark: {
          kind: 'openai-compatible',
          baseURL: `http://127.0.0.1:1/${BASE_MARKER}/v1`,
          apiKey: 'dark-provider-key-90ab',
          models: [{ id: 'dark-model' }],
        },
      },
    },
  });
  const { settings } = readSettings({ EXAI_API_KEYS: KEY, EXAI_ADMIN_KEYS: ADMIN });
  const roots = mkdtempSync(join(tmpdir(), `exai-${ROOT_MARKER}-`));
  const server = await startServer({
    config,
    settings,
    host: '127.0.0.1',
    port: 0,
    env: { EXAI_ALLOWED_ROOTS: roots },
  });
  return {
    sim,
    server,
    async close() {
      await server.close(1_000);
      await sim.close();
    },
  };
}

const tool = (server: RunningServer, name: string, body: unknown) => post(`${server.url}/v1/tools/${name}`, body, auth);

/** Everything the gateway printed, checked for each marker. */
function expectNoMarkers(text: string): void {
  for (const marker of [BASE_MARKER, PASSWORD_MARKER, ROOT_MARKER, '127.0.0.1:1'])
    expect(text, marker).not.toContain(marker);
}

describe('hygiene over HTTP', () => {
  let gateway: Started;
  beforeAll(async () => {
    gateway = await start();
  }, 60_000);
  afterAll(() => gateway?.close());

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'model "%s" is a 404 model_not_found, not a 500',
    async (model) => {
      const response = await post(
        `${gateway.server.url}/v1/chat/completions`,
        { model, messages: [{ role: 'user', content: 'hi' }] },
        auth,
      );
      expect(response.status).toBe(404);
      expect((await json(response)).error).toMatchObject({ code: 'model_not_found', param: 'model' });
      const viaTool = await json(await tool(gateway.server, 'chat', { prompt: 'hi', model }));
      expect(viaTool.is_error ?? viaTool.isError).toBe(true);
      expect(JSON.stringify(viaTool)).toContain(`unknown model '${model}'`);
    },
  );

  it('role "constructor" is an unknown role, not a crash', async () => {
    const answer = await json(await tool(gateway.server, 'chat', { prompt: 'hi', role: 'constructor' }));
    expect(JSON.stringify(answer)).toContain("unknown role 'constructor'");
  });

  it.each(['model', 'messages', 'stream', 'max_tokens', 'max_completion_tokens', 'n'])(
    'provider_options.%s is refused with a 400 naming the field',
    async (field) => {
      const response = await post(
        `${gateway.server.url}/v1/chat/completions`,
        {
          model: 'glm-4.6',
          messages: [{ role: 'user', content: 'hi' }],
          provider_options: { [field]: field === 'messages' ? [] : 999_999 },
        },
        auth,
      );
      expect(response.status).toBe(400);
      expect((await json(response)).error).toMatchObject({
        type: 'invalid_request_error',
        param: `provider_options.${field}`,
      });
    },
  );

  it('other provider_options are accepted', async () => {
    const response = await post(
      `${gateway.server.url}/v1/chat/completions`,
      { model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }], provider_options: { do_sample: true } },
      auth,
    );
    expect(response.status).toBe(200);
  });

  it('a download is an attachment with X-Content-Type-Options: nosniff', async () => {
    const form = new FormData();
    form.append('purpose', 'assistants');
    form.append('file', new Blob(['<script>alert(1)</script>'], { type: 'text/html' }), 'page.html');
    const uploaded = await json(
      await fetch(`${gateway.server.url}/v1/files`, { method: 'POST', headers: auth, body: form }),
    );
    const response = await fetch(`${gateway.server.url}/v1/files/${uploaded.id}/content`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it("registers the gateway's own keys so no log line or error text can carry them", () => {
    expect(redactSecrets(`echoed ${KEY} and ${ADMIN}`)).toBe('echoed [redacted] and [redacted]');
  });

  it('/readyz, /healthz, status, listmodels and version show names and states, never base URLs or allowed roots', async () => {
    const printed: string[] = [];
    for (const path of ['/readyz', '/healthz'])
      printed.push(await (await fetch(`${gateway.server.url}${path}`)).text());
    for (const name of ['status', 'listmodels', 'version']) {
      const response = await tool(gateway.server, name, {});
      expect(response.status).toBe(200);
      printed.push(await response.text());
    }
    expect(printed.join('\n')).toContain('dark');
    expectNoMarkers(printed.join('\n'));
  });

  it('error answers do not reveal the base URL or the allowed roots', async () => {
    const printed: string[] = [];
    printed.push(
      await (
        await post(
          `${gateway.server.url}/v1/chat/completions`,
          { model: 'dark/dark-model', messages: [{ role: 'user', content: 'hi' }] },
          auth,
        )
      ).text(),
    );
    printed.push(await (await tool(gateway.server, 'chat', { prompt: 'hi', model: 'dark/dark-model' })).text());
    printed.push(
      await (
        await tool(gateway.server, 'chat', { prompt: 'hi', model: 'glm-4.6', files: ['/etc/passwd', 'missing.txt'] })
      ).text(),
    );
    expect(printed[0]).toMatch(/connection failed \(connect ECONNREFUSED/);
    expect(printed[2]).toMatch(/cannot read/);
    expectNoMarkers(printed.join('\n'));
  });
});

describe('hygiene with the store down', () => {
  let gateway: Started;
  beforeAll(async () => {
    gateway = await start({ databaseUrl: `postgres://exai:${PASSWORD_MARKER}@127.0.0.1:1/exai` });
  }, 60_000);
  afterAll(() => gateway?.close());

  it('/readyz says the store is not ok with a code only: no driver text, URL or password', async () => {
    const response = await fetch(`${gateway.server.url}/readyz`);
    const body = await json(response);
    expect(body.store).toEqual({ ok: false, kind: 'postgres', shared: 'memory', error: 'store_unavailable' });
    expectNoMarkers(JSON.stringify(body));
  });

  it('a tool that needs the store fails without revealing the store URL or its password', async () => {
    const printed = [
      await (
        await tool(gateway.server, 'chat', { prompt: 'hi', model: 'glm-4.6', continuation_id: 'thr_unknown' })
      ).text(),
      await (await tool(gateway.server, 'status', {})).text(),
    ];
    expect(printed[0]).toMatch(/error/i);
    for (const text of printed) expect(text).not.toContain(PASSWORD_MARKER);
  });
});
