import type { Exchange } from './exchange.js';
import { errorReply, type Reply } from './reply.js';

function notFound(exchange: Exchange, id: string): Reply {
  return errorReply(exchange, 404, 'not_found', `No such file: ${id}`);
}

/** `POST {base}/files`: multipart with fields `file` and `purpose`, parsed by the runtime's own FormData parser. */
export async function uploadFile(exchange: Exchange, raw: Buffer): Promise<Reply> {
  const contentType = exchange.request.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) {
    return errorReply(
      exchange,
      400,
      'bad_request',
      'Expected a multipart/form-data body with fields file and purpose.',
    );
  }
  let form: FormData;
  try {
    form = await new Request('http://simulator/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
  } catch {
    return errorReply(exchange, 400, 'bad_request', 'Malformed multipart body.');
  }
  const file = form.get('file');
  const purpose = form.get('purpose');
  if (file === null || typeof file === 'string') return errorReply(exchange, 400, 'bad_request', 'Missing file field.');
  if (typeof purpose !== 'string' || purpose === '') {
    return errorReply(exchange, 400, 'bad_request', 'Missing purpose field.');
  }
  const data = Buffer.from(await file.arrayBuffer());
  exchange.attempt.body = { purpose, filename: file.name, bytes: data.length };
  if (data.length === 0) {
    return errorReply(exchange, 400, 'bad_request', 'File size is zero, please confirm and re-upload the file');
  }
  const stored = {
    id: exchange.state.nextFileId(),
    dialect: exchange.spec.name,
    filename: file.name || 'upload',
    purpose,
    bytes: data.length,
    createdAt: Math.floor(Date.now() / 1000),
    contentType: file.type || 'application/octet-stream',
    data,
  };
  exchange.state.files.set(stored.id, stored);
  return { kind: 'json', status: 200, body: exchange.spec.file(stored) };
}

export function listFiles(exchange: Exchange): Reply {
  const data: unknown[] = [];
  for (const file of exchange.state.files.values()) {
    if (file.dialect === exchange.spec.name) data.push(exchange.spec.file(file));
  }
  return { kind: 'json', status: 200, body: { object: 'list', data } };
}

function find(exchange: Exchange, id: string) {
  const file = exchange.state.files.get(id);
  return file && file.dialect === exchange.spec.name ? file : undefined;
}

export function getFile(exchange: Exchange, id: string): Reply {
  const file = find(exchange, id);
  return file ? { kind: 'json', status: 200, body: exchange.spec.file(file) } : notFound(exchange, id);
}

export function deleteFile(exchange: Exchange, id: string): Reply {
  const file = find(exchange, id);
  if (!file) return notFound(exchange, id);
  exchange.state.files.delete(id);
  return { kind: 'json', status: 200, body: { id, object: 'file', deleted: true } };
}

export function fileContent(exchange: Exchange, id: string): Reply {
  const file = find(exchange, id);
  if (!file) return notFound(exchange, id);
  const { contentType, data } = exchange.spec.fileContent(file);
  return { kind: 'raw', status: 200, contentType, data };
}
