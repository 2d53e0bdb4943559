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
    logger.info({ apiKey: 'abc123456', headers: { authorization: 'Bearer tok_123456789' } }, 'calling with sk-proj-abcdefghijkl');
    logger.info('upstream said zai-very-secret-value was wrong');
    logger.error({ err: new Error('401 for key sk-abcdefghijklmnop') }, 'failed');
    logger.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const output = text();
    expect(output).toContain('calling with');
    expect(output).not.toMatch(/abc123456|tok_123456789|sk-proj-abcdefghijkl|zai-very-secret-value|sk-abcdefghijklmnop/);
  });

  it('redacts query-string credentials', () => {
    expect(redactSecrets('GET /x?api_key=hunter22&y=1')).toBe('GET /x?api_key=[redacted]&y=1');
  });
});
