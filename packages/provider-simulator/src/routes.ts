import { chooseScenario, handleChat, parseJsonObject } from './chat.js';
import { EMBEDDING_DIALECTS, handleEmbeddings } from './embeddings.js';
import type { Exchange } from './exchange.js';
import { deleteFile, fileContent, getFile, listFiles, uploadFile } from './files.js';
import { readBody } from './http-util.js';
import { billingReply, errorReply, play, type Reply, send } from './reply.js';
import { parseScenario } from './scenario.js';
import { webSearch } from './web-search.js';

/** The presented key: `bad-key` (or `bad-key-…`) is invalid, `broke-key` (or `broke-key-…`) has no balance. */
function keyState(exchange: Exchange): 'ok' | 'invalid' | 'broke' {
  const header = exchange.request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return 'invalid';
  const key = header.slice(7).trim();
  if (key === '' || key === 'bad-key' || key.startsWith('bad-key-')) return 'invalid';
  return key === 'broke-key' || key.startsWith('broke-key-') ? 'broke' : 'ok';
}

/** Plays the header scenario (if any) around a non-chat endpoint's answer. */
async function answer(exchange: Exchange, produce: () => Reply | Promise<Reply>): Promise<void> {
  const header = exchange.request.headers['x-sim-scenario'];
  if (typeof header !== 'string' || header === '') return send(exchange, await produce());
  exchange.attempt.scenario = chooseScenario(exchange, undefined, null);
  const reply = await produce();
  await play(exchange, parseScenario(header), `${exchange.spec.name}\u0000${exchange.attempt.path}`, () => reply);
}

/** Serves one dialect request; `rest` is the path after the dialect's base. */
export async function route(exchange: Exchange, rest: string): Promise<void> {
  const { request } = exchange;
  const method = request.method ?? 'GET';
  const raw = method === 'GET' || method === 'DELETE' ? undefined : await readBody(request);
  const key = keyState(exchange);
  if (key === 'invalid') {
    const message = request.headers.authorization ? 'Invalid Authentication' : 'Missing Authorization header';
    return send(exchange, errorReply(exchange, 401, 'auth', message));
  }
  if (key === 'broke') return send(exchange, billingReply(exchange));
  if (rest === '/chat/completions' && method === 'POST') return handleChat(exchange, raw!);
  if (rest === '/embeddings' && method === 'POST' && EMBEDDING_DIALECTS.has(exchange.spec.name)) {
    return handleEmbeddings(exchange, raw!);
  }
  if (rest === '/models' && method === 'GET') {
    return answer(exchange, () => ({ kind: 'json', status: 200, body: exchange.spec.modelList() }));
  }
  if (rest === '/files') {
    if (method === 'POST') return answer(exchange, () => uploadFile(exchange, raw!));
    if (method === 'GET') return answer(exchange, () => listFiles(exchange));
  }
  if (rest.startsWith('/files/')) {
    const parts = rest.split('/');
    const id = decodeURIComponent(parts[2] ?? '');
    if (parts.length === 3 && method === 'GET') return answer(exchange, () => getFile(exchange, id));
    if (parts.length === 3 && method === 'DELETE') return answer(exchange, () => deleteFile(exchange, id));
    if (parts.length === 4 && parts[3] === 'content' && method === 'GET') {
      return answer(exchange, () => fileContent(exchange, id));
    }
  }
  if (rest === '/web_search' && method === 'POST' && exchange.spec.name === 'glm') {
    const body = parseJsonObject(raw!);
    if (body) exchange.attempt.body = body;
    return answer(exchange, () => webSearch(exchange, body));
  }
  send(exchange, errorReply(exchange, 404, 'not_found', `Unknown endpoint: ${method} ${exchange.attempt.path}`));
}
