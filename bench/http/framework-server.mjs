// One minimal server for the framework measurement (docs/decisions/0008-http-framework.md).
// Usage: node framework-server.mjs hono|fastify|node — prints the port on stdout.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../apps/http-server/package.json', import.meta.url));
const load = async (name) => import(require.resolve(name));
const framework = process.argv[2];
const events = 5;
const payload = (body) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: body.model ?? 'x',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hello' } }],
});
const chunk = (index) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content: `token ${index} ` } }],
  });

if (framework === 'hono') {
  const { Hono } = await load('hono');
  const { streamSSE } = await load('hono/streaming');
  const { serve } = await load('@hono/node-server');
  const app = new Hono();
  app.post('/json', async (c) => c.json(payload(await c.req.json())));
  app.get('/sse', (c) =>
    streamSSE(c, async (stream) => {
      for (let index = 0; index < events; index++) await stream.writeSSE({ data: chunk(index) });
      await stream.writeSSE({ data: '[DONE]' });
    }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(info.port));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (framework === 'fastify') {
  const { default: Fastify } = await load('fastify');
  const app = Fastify({ logger: false });
  app.post('/json', async (request) => payload(request.body));
  app.get('/sse', (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let index = 0; index < events; index++) reply.raw.write(`data: ${chunk(index)}\n\n`);
    reply.raw.end('data: [DONE]\n\n');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(app.server.address().port);
  process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
} else {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    if (request.method === 'POST') {
      let text = '';
      request.on('data', (data) => (text += data));
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload(JSON.parse(text))));
      });
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let index = 0; index < events; index++) response.write(`data: ${chunk(index)}\n\n`);
    response.end('data: [DONE]\n\n');
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
