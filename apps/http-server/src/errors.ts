import { GatewayError, type OpenAIErrorBody, toOpenAIError } from '@exai/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from './deps.js';

/** OpenAI's error body. */
export function errorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, code, param } };
}

const fastifyCodes: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'request_too_large',
    message: 'The request body is larger than the limit (EXAI_MAX_BODY_BYTES)',
  },
  FST_REQ_FILE_TOO_LARGE: {
    status: 413,
    code: 'file_too_large',
    message: 'The file is larger than the limit (EXAI_MAX_FILE_BYTES)',
  },
  FST_PARTS_LIMIT: { status: 413, code: 'request_too_large' },
  FST_FILES_LIMIT: { status: 400, code: 'too_many_files', message: 'Upload one file per request' },
  // Fastify's JSON parser also refuses valid JSON holding "__proto__" or "constructor.prototype" keys; say so.
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is not valid JSON, or holds a forbidden "__proto__" or "constructor.prototype" key',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is empty; send a JSON object',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Send the body as application/json (or multipart/form-data for files)',
  },
  FST_INVALID_JSON_FIELD_ERROR: {
    status: 400,
    code: 'invalid_multipart',
    message:
      "A multipart field declared as application/json is not valid JSON (a 'file' part with an empty file name is " +
      'read as a field: give the file a name)',
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 400,
    code: 'invalid_multipart',
    message: 'The body is not multipart/form-data',
  },
};

/** Every failure becomes OpenAI's error shape; 5xx only for the gateway's or upstream's faults, never a stack. */
export function handleError(deps: AppDeps) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (GatewayError.isInstance(error)) {
      const { status, body } = toOpenAIError(error);
      if (error.retryAfterMs !== undefined && (status === 429 || status === 503))
        reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
      if (status >= 500)
        deps.logger.warn({ requestId: request.id, code: error.code, provider: error.provider }, error.message);
      return reply.code(status).send(body);
    }
    const known = error.code ? fastifyCodes[error.code] : undefined;
    if (known)
      return reply
        .code(known.status)
        .send(errorBody(known.message ?? error.message, 'invalid_request_error', known.code));
    if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
      return reply
        .code(400)
        .send(
          errorBody(`The request body is not valid JSON: ${error.message}`, 'invalid_request_error', 'invalid_json'),
        );
    }
    const statusCode = error.statusCode ?? 500;
    if (statusCode >= 400 && statusCode < 500)
      return reply.code(statusCode).send(errorBody(error.message, 'invalid_request_error', error.code ?? null));
    deps.logger.error({ err: error, requestId: request.id }, 'unexpected error');
    return reply.code(500).send(errorBody('Internal error in the gateway', 'api_error', 'server'));
  };
}
