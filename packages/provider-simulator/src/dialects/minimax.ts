import completionFixture from '../__fixtures__/minimax/chat-completion.json' with { type: 'json' };
import authFixture from '../__fixtures__/minimax/error-authentication.json' with { type: 'json' };
import balanceFixture from '../__fixtures__/minimax/error-balance.json' with { type: 'json' };
import parameterFixture from '../__fixtures__/minimax/error-invalid-params.json' with { type: 'json' };
import rateFixture from '../__fixtures__/minimax/error-rate-limit.json' with { type: 'json' };
import sensitiveFixture from '../__fixtures__/minimax/error-sensitive.json' with { type: 'json' };
import lengthFixture from '../__fixtures__/minimax/error-token-limit.json' with { type: 'json' };
import fileFixture from '../__fixtures__/minimax/file.json' with { type: 'json' };
import modelsFixture from '../__fixtures__/minimax/models.json' with { type: 'json' };
import type { Answer } from '../answer.js';
import type { ShapeOptions } from './shape.js';
import { extrasFrom, listedModels, shapedReplies, storedContent } from './shape.js';
import { type DialectSpec, type ErrorKind, temperatureOutside } from './types.js';

/** MiniMax errors: `{"base_resp": {"status_code": 1002, "status_msg": "..."}}`. */
const templates: Record<ErrorKind, { status_code: number; status_msg: string }> = {
  bad_request: { status_code: 2013, status_msg: 'invalid params' },
  auth: authFixture.base_resp,
  billing: balanceFixture.base_resp,
  not_found: { status_code: 2013, status_msg: 'invalid params, unknown model' },
  rate_limit: rateFixture.base_resp,
  server: { status_code: 1000, status_msg: 'unknown error' },
  bad_gateway: { status_code: 1033, status_msg: 'system error' },
  unavailable: { status_code: 1033, status_msg: 'system error' },
  context_length: lengthFixture.base_resp,
  content_filter: sensitiveFixture.base_resp,
};

function usage(answer: Answer): Record<string, unknown> {
  return {
    total_tokens: answer.promptTokens + answer.completionTokens,
    total_characters: 0,
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.completionTokens,
    completion_tokens_details: { reasoning_tokens: answer.reasoningTokens },
  };
}

const okBase = { base_resp: { status_code: 0, status_msg: '' } };

const shape: ShapeOptions = {
  completionExtras: extrasFrom(completionFixture),
  chunkExtras: {},
  toolCallId: (call, context) => `call_function_${context.id.slice(-6)}_${call.index + 1}`,
  usage,
  reasoning: (context) => (context.request.reasoning_split === true ? 'reasoning_details' : 'think-tags'),
  finalChunk: (answer, _context, choice) => [{ choices: [choice], usage: usage(answer), ...okBase }],
};

export const minimaxDialect: DialectSpec = {
  name: 'minimax',
  ...listedModels(modelsFixture),
  // MiniMax M-series models always interleave thinking.
  thinksByDefault: () => true,
  billingStatus: 200,
  validate(request) {
    if (temperatureOutside(request.temperature, '(0, 1]')) {
      return { kind: 'bad_request', message: parameterFixture.base_resp.status_msg };
    }
    return undefined;
  },
  error(kind, message) {
    const template = templates[kind];
    return { base_resp: { status_code: template.status_code, status_msg: message ?? template.status_msg } };
  },
  ...shapedReplies(shape),
  file: (file) => {
    const entry = {
      ...fileFixture.file,
      file_id: file.id,
      bytes: file.bytes,
      created_at: file.createdAt,
      filename: file.filename,
      purpose: file.purpose,
    };
    // `id`/`object` alongside MiniMax's own `file`/`file_id` so OpenAI-style clients find the id too.
    return { id: file.id, object: 'file', ...entry, file: entry, base_resp: fileFixture.base_resp };
  },
  fileContent: storedContent,
};
