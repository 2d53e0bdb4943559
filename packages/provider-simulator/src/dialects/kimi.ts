import completionFixture from '../__fixtures__/kimi/chat-completion.json' with { type: 'json' };
import authFixture from '../__fixtures__/kimi/error-authentication.json' with { type: 'json' };
import filterFixture from '../__fixtures__/kimi/error-content-filter.json' with { type: 'json' };
import overloadedFixture from '../__fixtures__/kimi/error-engine-overloaded.json' with { type: 'json' };
import quotaFixture from '../__fixtures__/kimi/error-quota.json' with { type: 'json' };
import rateFixture from '../__fixtures__/kimi/error-rate-limit.json' with { type: 'json' };
import lengthFixture from '../__fixtures__/kimi/error-token-limit.json' with { type: 'json' };
import fileFixture from '../__fixtures__/kimi/file.json' with { type: 'json' };
import modelsFixture from '../__fixtures__/kimi/models.json' with { type: 'json' };
import type { Answer } from '../answer.js';
import type { ShapeOptions } from './shape.js';
import { extrasFrom, fileObject, listedModels, shapedReplies, storedContent, tokenCounts } from './shape.js';
import { type DialectSpec, type ErrorKind, temperatureOutside } from './types.js';

/** Kimi errors: `{"error": {"message": "...", "type": "rate_limit_reached_error"}}`. */
const templates: Record<ErrorKind, { message: string; type: string }> = {
  bad_request: { message: 'Invalid request: malformed request body', type: 'invalid_request_error' },
  auth: authFixture.error,
  billing: quotaFixture.error,
  not_found: { message: 'Not found the model or Permission denied', type: 'resource_not_found_error' },
  rate_limit: rateFixture.error,
  server: { message: 'Internal server error', type: 'server_error' },
  bad_gateway: { message: 'Bad gateway', type: 'server_error' },
  unavailable: overloadedFixture.error,
  context_length: lengthFixture.error,
  content_filter: filterFixture.error,
};

function usage(answer: Answer): Record<string, unknown> {
  return { ...tokenCounts(answer), cached_tokens: answer.cachedTokens };
}

const shape: ShapeOptions = {
  completionExtras: extrasFrom(completionFixture),
  chunkExtras: {},
  toolCallId: (call) =>
    call.type === 'builtin_function' ? `${call.name}:${call.index}` : `functions.${call.name}:${call.index}`,
  usage,
  reasoning: () => 'reasoning_content',
  // Moonshot documents usage inside the final choice; newer models also send it top-level. Both are sent.
  finalChunk: (answer, _context, choice) => [{ choices: [{ ...choice, usage: usage(answer) }], usage: usage(answer) }],
};

function mimeTypeOf(filename: string, fallback: string): string {
  if (filename.endsWith('.pdf')) return 'application/pdf';
  if (filename.endsWith('.txt') || filename.endsWith('.md')) return 'text/plain';
  return fallback;
}

export const kimiDialect: DialectSpec = {
  name: 'kimi',
  ...listedModels(modelsFixture),
  thinksByDefault: () => false,
  billingStatus: 429,
  validate(request) {
    if (temperatureOutside(request.temperature, '[0, 1]')) {
      return {
        kind: 'bad_request',
        message: `Invalid request: temperature must be in [0, 1], got ${String(request.temperature)}`,
      };
    }
    return undefined;
  },
  error(kind, message) {
    const template = templates[kind];
    return { error: { message: message ?? template.message, type: template.type } };
  },
  ...shapedReplies(shape),
  file: (file) => fileObject(fileFixture, file),
  fileContent(file) {
    if (file.purpose !== 'file-extract') return storedContent(file);
    const extracted = {
      content: file.data.toString('utf8'),
      file_type: mimeTypeOf(file.filename, file.contentType),
      filename: file.filename,
      title: '',
      type: 'file',
    };
    return { contentType: 'application/json', data: JSON.stringify(extracted) };
  },
};
