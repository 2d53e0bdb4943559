import { BadRequestError, GatewayError, NotFoundError } from '@exai/core';
import type { FileRecord, OwnerScope } from '@exai/store';
import type { App, AppDeps } from '../deps.js';
import { requestScope } from '../request-info.js';

/**
 * `/v1/files` backed by the store's files, so any instance sharing the database can read them.
 * The purpose travels as a parameter of the stored content type (`...; purpose=assistants`).
 * Files are the caller's tenant's: another tenant's id answers exactly as an unknown id (404).
 */

function purposeOf(record: FileRecord): string {
  return /;\s*purpose=([\w-]+)/.exec(record.contentType ?? '')?.[1] ?? 'user_data';
}

function toFileObject(record: FileRecord, scope: OwnerScope) {
  return {
    id: record.id,
    // An admin sees every tenant's files, so each says whose it is.
    ...(scope.admin ? { owner: record.owner } : {}),
    object: 'file' as const,
    bytes: record.bytes,
    created_at: Math.floor(record.createdAt / 1000),
    filename: record.filename,
    purpose: purposeOf(record),
    status: 'processed',
  };
}

/**
 * `attachment` with an ASCII fallback name and the exact name in RFC 5987 `filename*` (a header
 * value may not hold characters past Latin-1, so a name like `😀.md` must not go in as is).
 */
function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = encodeURIComponent(filename).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

const notFound = (id: string) => new NotFoundError({ message: `No such file: '${id}'`, param: 'file_id' });

export function mountFiles(app: App, deps: AppDeps, maxFileBytes: number): void {
  const store = deps.store;

  app.post('/v1/files', async (request) => {
    if (!request.isMultipart())
      throw new BadRequestError({
        message: "Upload a file as multipart/form-data with the fields 'file' and 'purpose'",
        param: 'file',
      });
    let purpose = 'user_data';
    let upload: { filename: string; mimetype: string; data: Buffer } | undefined;
    try {
      for await (const part of request.parts({ limits: { fileSize: maxFileBytes, files: 1 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file') {
            part.file.resume();
            continue;
          }
          upload = {
            filename: part.filename || 'upload',
            mimetype: part.mimetype || 'application/octet-stream',
            data: await part.toBuffer(),
          };
        } else if (part.fieldname === 'purpose' && typeof part.value === 'string') {
          purpose = part.value;
        }
      }
    } catch (error) {
      // Limits and content-type errors carry Fastify codes (mapped to 413/400); the parser's own
      // errors ("Unexpected end of form", "Malformed part header") are the client's broken body.
      if (GatewayError.isInstance(error) || typeof (error as { code?: unknown }).code === 'string') throw error;
      throw new BadRequestError({
        message:
          `The multipart body could not be read (${(error as Error).message}); send the fields 'file' and ` +
          `'purpose' as multipart/form-data`,
        param: 'file',
      });
    }
    if (!upload) throw new BadRequestError({ message: "Missing the 'file' field", param: 'file' });
    if (!/^[\w-]{1,64}$/.test(purpose))
      throw new BadRequestError({
        message: "'purpose' must be a word such as 'assistants' or 'user_data'",
        param: 'purpose',
      });
    const scope = requestScope(request);
    const record = await store.putFile(
      scope,
      { filename: upload.filename, data: upload.data, contentType: `${upload.mimetype}; purpose=${purpose}` },
      { signal: request.exaiSignal },
    );
    return toFileObject(record, scope);
  });

  app.get<{ Querystring: { limit?: string; after?: string } }>('/v1/files', async (request) => {
    const limit = Math.min(Math.max(Number(request.query.limit ?? 1000) || 1000, 1), 10_000);
    const scope = requestScope(request);
    const files = await store.listFiles(scope, { limit: limit + 1, signal: request.exaiSignal });
    return {
      object: 'list',
      data: files.slice(0, limit).map((file) => toFileObject(file, scope)),
      has_more: files.length > limit,
    };
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id', async (request) => {
    const scope = requestScope(request);
    const record = await store.getFile(scope, request.params.id, { signal: request.exaiSignal });
    if (!record) throw notFound(request.params.id);
    return toFileObject(record, scope);
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id/content', async (request, reply) => {
    const scope = requestScope(request);
    const record = await store.getFile(scope, request.params.id, { signal: request.exaiSignal });
    if (!record) throw notFound(request.params.id);
    const content = await store
      .readFileContent(scope, record.id, { signal: request.exaiSignal })
      .catch((error: unknown) => {
        throw GatewayError.isInstance(error) && error.code === 'not_found' ? notFound(record.id) : error;
      });
    const type = (record.contentType ?? 'application/octet-stream').split(';')[0] ?? 'application/octet-stream';
    return (
      reply
        .header('content-type', type)
        .header('content-disposition', contentDisposition(record.filename))
        // A stored HTML or SVG file must not be sniffed into a page that runs in the gateway's origin.
        .header('x-content-type-options', 'nosniff')
        .send(content)
    );
  });

  app.delete<{ Params: { id: string } }>('/v1/files/:id', async (request) => {
    const deleted = await store.deleteFile(requestScope(request), request.params.id, { signal: request.exaiSignal });
    if (!deleted) throw notFound(request.params.id);
    return { id: request.params.id, object: 'file', deleted: true };
  });
}
