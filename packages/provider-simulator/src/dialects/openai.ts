import completionFixture from '../__fixtures__/openai/chat-completion.json' with { type: 'json' };
import contextFixture from '../__fixtures__/openai/error-context-length.json' with { type: 'json' };
import quotaFixture from '../__fixtures__/openai/error-insufficient-quota.json' with { type: 'json' };
import authFixture from '../__fixtures__/openai/error-invalid-api-key.json' with { type: 'json' };
import rateFixture from '../__fixtures__/openai/error-rate-limit.json' with { type: 'json' };
import serverFixture from '../__fixtures__/openai/error-server.json' with { type: 'json' };
import fileFixture from '../__fixtures__/openai/file.json' with { type: 'json' };
import modelsFixture from '../__fixtures__/openai/models.json' with { type: 'json' };
import type { Answer } from '../answer.js';
import type { StoredFile } from '../types.js';
import {
  buildChunks,
  buildCompletion,
  extrasFrom,
  fileObject,
  listedModels,
  type ShapeOptions,
  storedContent,
  tokenCounts,
} from './shape.js';
import type { DialectSpec, ErrorKind } from './types.js';

const templates: Record<ErrorKind, { message: string; type: string; param: string | null; code: string | null }> = {
  bad_request: { message: 'Invalid request.', type: 'invalid_request_error', param: null, code: null },
  auth: authFixture.error,
  billing: quotaFixture.error,
  not_found: {
    message: 'The model does not exist or you do not have access to it.',
    type: 'invalid_request_error',
    param: null,
    code: 'model_not_found',
  },
  rate_limit: rateFixture.error,
  server: serverFixture.error,
  bad_gateway: { message: 'Bad gateway.', type: 'server_error', param: null, code: null },
  unavailable: {
    message: 'The server is overloaded or not ready yet.',
    type: 'server_error',
    param: null,
    code: null,
  },
  context_length: contextFixture.error,
  content_filter: { message: '', type: 'invalid_request_error', param: 'messages', code: 'content_filter' },
};

function openaiUsage(answer: Answer): Record<string, unknown> {
  return {
    ...tokenCounts(answer),
    prompt_tokens_details: { cached_tokens: answer.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: answer.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function includeUsage(request: Record<string, unknown>): boolean {
  const options = request.stream_options as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

const completionExtras = extrasFrom(completionFixture);

const shape: ShapeOptions = {
  completionExtras,
  chunkExtras: { system_fingerprint: completionFixture.system_fingerprint },
  toolCallId: (call, context) => `call_${context.id.slice(-8)}${call.index}`,
  usage: openaiUsage,
  reasoning: () => 'reasoning_content',
  finalChunk(answer, context, choice) {
    if (!includeUsage(context.request)) return [{ choices: [choice] }];
    return [
      { choices: [choice], usage: null },
      { choices: [], usage: openaiUsage(answer) },
    ];
  },
};

/** A generic OpenAI file object, the shape the other dialects start from. */
export function openaiFile(file: StoredFile): Record<string, unknown> {
  return fileObject(fileFixture, file);
}

export const openaiDialect: DialectSpec = {
  name: 'openai',
  ...listedModels(modelsFixture),
  thinksByDefault: (model) => model.includes('thinking') || model.includes('reasoner'),
  billingStatus: 429,
  validate: () => undefined,
  error(kind, message) {
    const template = templates[kind];
    return { error: { ...template, message: message ?? template.message } };
  },
  completion: (answer, context) => buildCompletion(answer, context, shape),
  chunks(answer, context) {
    const chunks = buildChunks(answer, context, shape);
    if (includeUsage(context.request)) {
      for (const chunk of chunks) if (!('usage' in chunk)) chunk.usage = null;
    }
    return chunks;
  },
  file: openaiFile,
  fileContent: storedContent,
};
