// The lean-proxy baseline of bench:compare: node:http + undici `request`, no resilience. It does the
// JSON work any gateway must do (parse the body, re-serialise it upstream, parse the answer and
// serialise it back) and relays SSE chunk for chunk. Kept in bench/, never in the product: it is the
// speed exai-http should reach with its whole resilience path on.
// Usage: node bench/compare/lean-proxy.mjs --port 8090 --upstream http://127.0.0.1:8787/v1
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

// undici is a dependency of the base adapter, not of the workspace root: resolve it from there.
const require = createRequire(new URL('../../packages/provider-openai-compatible/package.json', import.meta.url));
const { Agent, request } = require('undici');

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } });
const upstream = `${(values.upstream ?? 'http://127.0.0.1:8787/v1').replace(/\/+$/, '')}/chat/completions`;
const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 512 });

function fail(response, status, message) {
  if (response.headersSent) return response.destroy();
  response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ error: { message, type: 'api_error' } }));
}

const server = createServer(async (incoming, response) => {
  const chunks = [];
  for await (const chunk of incoming) chunks.push(chunk);
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return fail(response, 400, 'not JSON');
  }
  try {
    const answer = await request(upstream, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', authorization: incoming.headers.authorization ?? '' },
      body: JSON.stringify(body),
    });
    if (body.stream) {
      response.writeHead(answer.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for await (const chunk of answer.body)
        if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
      return response.end();
    }
    const parsed = await answer.body.json();
    response.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(parsed));
  } catch (error) {
    fail(response, 502, error instanceof Error ? error.message : String(error));
  }
});
server.listen(Number(values.port ?? 8090), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
