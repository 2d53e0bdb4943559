import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, startGateway, type TestGateway } from './helpers.js';

// A remote gateway must not read its own disk for callers unless the operator says where.
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => gateway?.close());

describe('file tools over REST', () => {
  it('read no server-local file by default, and say how to allow it without revealing paths', async () => {
    for (const [tool, args] of [
      ['analyze', { prompt: 'what is in it?', files: ['package.json'] }],
      ['file_query', { prompt: 'what is in it?', files: ['package.json'], provider: 'kimi' }],
    ] as const) {
      const response = await post(`${gateway.url}/v1/tools/${tool}`, args);
      const body = await json(response);
      if (response.status === 404) continue; // not in this profile
      expect(response.status, tool).toBe(200);
      expect(body.isError, tool).toBe(true);
      expect(body.content, tool).toMatch(/disabled/);
      expect(body.content, tool).toContain('EXAI_ALLOWED_ROOTS');
      expect(JSON.stringify(body), tool).not.toContain(process.cwd());
    }
    expect(
      gateway.sim.log.filter(
        (attempt) => attempt.path.endsWith('/chat/completions') || attempt.path.endsWith('/files'),
      ),
    ).toHaveLength(0);
  });
});
