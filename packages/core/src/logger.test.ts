import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, registerSecret } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

describe('logger', () => {
  it('never prints keys, bearer tokens or registered secrets', async () => {
    registerSecret('zai-very-secret-value');
    const { stream, text } = capture();
    const logger = createLogger({ destination: stream, level: 'info' });
    logger.info(
      { apiKey: 'abc123456', headers: { authorization: 'Bearer tok_123456789' } },
      'calling with sk-proj-abcdefghijkl',
    );
    logger.info('upstream said zai-very-secret-value was wrong');
    logger.error({ err: new Error('401 for key sk-abcdefghijklmnop') }, 'failed');
    logger.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const output = text();
    expect(output).toContain('calling with');
    expect(output).not.toMatch(
      /abc123456|tok_123456789|sk-proj-abcdefghijkl|zai-very-secret-value|sk-abcdefghijklmnop/,
    );
  });

  it('redacts query-string credentials', () => {
    expect(redactSecrets('GET /x?api_key=hunter22&y=1')).toBe('GET /x?api_key=[redacted]&y=1');
  });

  it('redacts credential fields at any depth, whatever their case', async () => {
    const { stream, text } = capture();
    const logger = createLogger({ destination: stream, level: 'info' });
    logger.info(
      {
        upstream: {
          request: {
            headers: {
              'X-Api-Key': 'xkey-0001',
              'api-key': 'akey-0002',
              Cookie: 'sid=ck-0003',
              'set-cookie': ['sc-0004=1'],
              authorization: 'Token au-0005',
            },
          },
        },
        deep: { a: { b: { c: { d: { e: { f: { password: 'pw-0006' } } } } } } },
        tooDeep: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 'dp-0007' } } } } } } } } } },
      },
      'call',
    );
    logger.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const output = text();
    expect(output).toContain('"call"');
    expect(output).toContain('[redacted]');
    expect(output).not.toMatch(/xkey-0001|akey-0002|ck-0003|sc-0004|au-0005|pw-0006|dp-0007/);
  });

  it('masks URL passwords and credential headers written out as text', () => {
    expect(redactSecrets('cannot reach postgres://exai:pa55-w0rd@db.internal:5432/exai')).toBe(
      'cannot reach postgres://exai:***@db.internal:5432/exai',
    );
    expect(redactSecrets('proxy https://user:pass@host/path failed')).toBe('proxy https://user:***@host/path failed');
    expect(redactSecrets('redis://:only-a-password@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
    expect(redactSecrets('sent Cookie: sid=abc; theme=dark')).toBe('sent Cookie: [redacted]');
    expect(redactSecrets('{"x-api-key":"k-12345","model":"glm"}')).toBe('{"x-api-key":"[redacted]","model":"glm"}');
    expect(redactSecrets('https://example.com/a@b and user@example.com stay')).toBe(
      'https://example.com/a@b and user@example.com stay',
    );
  });

  it("masks the gateway's own keys and tokens wherever they appear: in logs and in error messages", async () => {
    const gatewayKey = 'exai-gw-key-4f1d9c';
    const mcpToken = 'mcp-token-8e2a77b1';
    registerSecret(gatewayKey);
    registerSecret(mcpToken);
    expect(redactSecrets(`upstream echoed ${gatewayKey}/${mcpToken}`)).toBe('upstream echoed [redacted]/[redacted]');
    const { stream, text } = capture();
    const logger = createLogger({ destination: stream, level: 'info' });
    logger.error(
      { err: new Error(`rejected ${mcpToken}`), detail: { note: `key ${gatewayKey}` } },
      `failed for ${gatewayKey}`,
    );
    logger.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(text()).toContain('failed for [redacted]');
    expect(text()).not.toMatch(new RegExp(`${gatewayKey}|${mcpToken}`));
  });

  it('never rewrites text for a secret shorter than 8 characters', () => {
    registerSecret('abc');
    registerSecret('abc1234');
    expect(redactSecrets('abc abc1234 fabcd', ['abc'])).toBe('abc abc1234 fabcd');
  });
});
