import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, json, post, startGateway, type TestGateway } from './helpers.js';

const KEY = `sk-test-${Math.random().toString(36).slice(2)}`;
const OTHER = `sk-other-${Math.random().toString(36).slice(2)}`;
const ADMIN = `sk-admin-${Math.random().toString(36).slice(2)}`;
let gateway: TestGateway;
const messages = [{ role: 'user' as const, content: 'hi' }];

beforeAll(async () => {
  gateway = await startGateway({
    env: {
      EXAI_API_KEYS: `${KEY},${OTHER}`,
      EXAI_ADMIN_KEYS: ADMIN,
      EXAI_RATE_LIMIT_RPM: '3',
      EXAI_MAX_FILE_BYTES: '1024',
      EXAI_MAX_BODY_BYTES: '4096',
    },
  });
});
afterAll(() => gateway.close());

const clientWith = (apiKey: string) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });

describe('auth and limits', () => {
  it('answers 401 without a valid key, and health without any', async () => {
    const error = await clientWith('sk-wrong-key')
      .models.list()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const bare = await fetch(`${gateway.url}/v1/models`);
    expect(bare.status).toBe(401);
    expect((await json(bare)).error.type).toBe('authentication_error');
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('answers 429 with Retry-After once a key spends its bucket, without touching other keys', async () => {
    const client = clientWith(KEY);
    for (let index = 0; index < 3; index++) await client.chat.completions.create({ model: 'glm-4.6', messages });
    const error = await client.chat.completions
      .create({ model: 'glm-4.6', messages })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const retryAfter = Number((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect((await fetch(`${gateway.url}/v1/files`, { headers: { authorization: `Bearer ${OTHER}` } })).status).toBe(
      200,
    );
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await post(
      `${gateway.url}/v1/chat/completions`,
      { model: 'glm-4.6', messages: [{ role: 'user', content: 'x'.repeat(8_000) }] },
      { authorization: `Bearer ${OTHER}` },
    );
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe('request_too_large');
  });

  it('serves /metrics to an admin key only (loopback is no exemption by default), with request counts by route', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${OTHER}` } })).status).toBe(403);
    const text = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).text();
    expect(text).toMatch(
      /exai_http_requests_total\{route="\/v1\/chat\/completions",provider="glm",model="glm-4.6",status="200"\} 3/,
    );
    expect(text).toMatch(
      /exai_http_requests_total\{route="\/v1\/chat\/completions",provider="",model="",status="429"\} 1/,
    );
    expect(text).toContain('exai_breaker_state{provider="glm"} 0');
    expect(text).toContain('exai_upstream_attempts_total{provider="glm",outcome="ok"} 3');
  });
});

describe('/v1/files', () => {
  let files: TestGateway;
  beforeAll(async () => {
    files = await startGateway({ env: { EXAI_API_KEYS: OTHER, EXAI_MAX_FILE_BYTES: '1024' } });
  });
  afterAll(() => files.close());
  const filesClient = () => new OpenAI({ baseURL: `${files.url}/v1`, apiKey: OTHER, maxRetries: 0 });

  it('uploads, lists, reads, and deletes a file', async () => {
    const client = filesClient();
    const created = await client.files.create({
      file: await toFile(Buffer.from('hello file'), 'notes.txt', { type: 'text/plain' }),
      purpose: 'assistants',
    });
    expect(created).toMatchObject({ object: 'file', bytes: 10, filename: 'notes.txt', purpose: 'assistants' });
    const listed = [];
    for await (const file of client.files.list()) listed.push(file.id);
    expect(listed).toContain(created.id);
    expect(await (await client.files.content(created.id)).text()).toBe('hello file');
    expect(await client.files.retrieve(created.id)).toMatchObject({ id: created.id, filename: 'notes.txt' });
    expect(await client.files.delete(created.id)).toMatchObject({ id: created.id, deleted: true });
    const gone = await client.files.retrieve(created.id).catch((caught: unknown) => caught);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('refuses a file over the limit with 413', async () => {
    const error = await filesClient()
      .files.create({ file: await toFile(Buffer.alloc(4096, 1), 'big.bin'), purpose: 'assistants' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 413, code: 'file_too_large' });
  });
});

describe('exai-http start-up', () => {
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', EXAI_DATA_DIR: mkdtempSync(join(tmpdir(), 'exai-cli-')), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data) => {
      stderr += String(data);
    });
    const [code] = await once(child, 'exit');
    return { code, stderr };
  };

  it('exits 2 listing every bad config field, without a stack trace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'exai-config-')), 'gateway.yaml');
    writeFileSync(file, 'providers:\n  glm:\n    kind: nope\nretry:\n  maxAttempts: 0\n');
    const { code, stderr } = await run(['--config', file, '--port', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('providers.glm.kind');
    expect(stderr).toContain('retry.maxAttempts');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 naming every bad environment variable, the engine overrides included', async () => {
    const { code, stderr } = await run(['--port', '0'], { EXAI_REQUEST_TIMEOUT_MS: 'abc', EXAI_MAX_QUEUE: '-1' });
    expect(code).toBe(2);
    expect(stderr).toContain('EXAI_REQUEST_TIMEOUT_MS');
    expect(stderr).toContain('EXAI_MAX_QUEUE');
    expect(stderr).not.toMatch(/\n\s+at /);
    const server = await run(['--port', '0'], { EXAI_RATE_LIMIT_RPM: 'many', EXAI_ALLOW_NO_AUTH: 'yes' });
    expect(server.code).toBe(2);
    expect(server.stderr).toContain('EXAI_RATE_LIMIT_RPM');
    expect(server.stderr).toContain('EXAI_ALLOW_NO_AUTH');
  });

  it('refuses to listen beyond loopback without keys unless EXAI_ALLOW_NO_AUTH=1', async () => {
    const { code, stderr } = await run(['--host', '0.0.0.0', '--port', '0'], { EXAI_LOG_LEVEL: 'silent' });
    expect(code).toBe(2);
    expect(stderr).toContain('EXAI_ALLOW_NO_AUTH');
  });
});
