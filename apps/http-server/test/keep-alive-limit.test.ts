import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { beforeSuite, startGateway } from './helpers.js';

/**
 * EXAI_MAX_REQUESTS_PER_SOCKET closes a connection after N requests: the Nth answer says `Connection: close`, JSON
 * or event stream alike, so a keep-alive client opens a new connection instead of being refused a request
 * (Node answers a request past the limit with a bare 503). An event stream must not claim keep-alive itself.
 */
describe('a connection at its request limit', () => {
  const gateway = beforeSuite(() => startGateway({ env: { EXAI_MAX_REQUESTS_PER_SOCKET: '2' } }));

  const send = (agent: Agent, stream: boolean) =>
    new Promise<{ status: number; connection: string | undefined; body: string; socket: unknown }>(
      (resolve, reject) => {
        const req = request(
          `${gateway().url}/v1/chat/completions`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              body += chunk;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body, socket: res.socket }),
            );
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }], stream }));
      },
    );

  for (const stream of [false, true]) {
    it(`${stream ? 'event streams' : 'JSON answers'}: the last allowed answer closes, the next request gets a new connection`, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const answers = [];
        for (let index = 0; index < 5; index++) answers.push(await send(agent, stream));
        expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
        expect(answers.map((answer) => answer.connection)).toEqual([
          'keep-alive',
          'close',
          'keep-alive',
          'close',
          'keep-alive',
        ]);
        if (stream) for (const answer of answers) expect(answer.body).toContain('data: [DONE]');
      } finally {
        agent.destroy();
      }
    });
  }
});
