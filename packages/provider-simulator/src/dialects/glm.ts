import completionFixture from '../__fixtures__/glm/chat-completion.json' with { type: 'json' };
import authFixture from '../__fixtures__/glm/error-authentication.json' with { type: 'json' };
import balanceFixture from '../__fixtures__/glm/error-balance.json' with { type: 'json' };
import filterFixture from '../__fixtures__/glm/error-content-filter.json' with { type: 'json' };
import parameterFixture from '../__fixtures__/glm/error-invalid-parameter.json' with { type: 'json' };
import lengthFixture from '../__fixtures__/glm/error-prompt-too-long.json' with { type: 'json' };
import rateFixture from '../__fixtures__/glm/error-rate-limit.json' with { type: 'json' };
import fileFixture from '../__fixtures__/glm/file.json' with { type: 'json' };
import modelsFixture from '../__fixtures__/glm/models.json' with { type: 'json' };
import type { Answer } from '../answer.js';
import { searchResult } from '../web-search.js';
import type { ShapeOptions } from './shape.js';
import { extrasFrom, fileObject, listedModels, shapedReplies, storedContent, tokenCounts } from './shape.js';
import type { DialectSpec, ErrorKind } from './types.js';

/** GLM errors: `{"error": {"code": "1261", "message": "..."}}` with Zhipu's business codes. */
const templates: Record<ErrorKind, { code: string; message: string }> = {
  bad_request: { code: '1210', message: 'Incorrect API call parameters, please check the documentation.' },
  auth: authFixture.error,
  billing: balanceFixture.error,
  not_found: { code: '1211', message: 'Model does not exist, please check the model code.' },
  rate_limit: rateFixture.error,
  server: { code: '500', message: 'Internal Error' },
  bad_gateway: { code: '1234', message: 'Network error, please contact customer service' },
  unavailable: { code: '1312', message: 'This model is currently experiencing high traffic, please try again later' },
  context_length: lengthFixture.error,
  content_filter: filterFixture.error,
};

function usage(answer: Answer): Record<string, unknown> {
  return { ...tokenCounts(answer), prompt_tokens_details: { cached_tokens: answer.cachedTokens } };
}

const shape: ShapeOptions = {
  completionExtras: { ...extrasFrom(completionFixture) },
  chunkExtras: {},
  toolCallId: (call, context) => `call_${context.id.slice(-10)}_${call.index}`,
  usage,
  reasoning: () => 'reasoning_content',
  finalChunk: (answer, _context, choice) => [{ choices: [choice], usage: usage(answer) }],
  annotations(answer, context) {
    const annotations: Record<string, unknown> = { request_id: context.id };
    if (answer.webSearch) annotations.web_search = [0, 1, 2].map((index) => searchResult(answer.userText, index));
    return annotations;
  },
};

export const glmDialect: DialectSpec = {
  name: 'glm',
  ...listedModels(modelsFixture),
  // Recent GLM models think unless `thinking: {type: "disabled"}`.
  thinksByDefault: () => true,
  billingStatus: 429,
  validate(request) {
    if (request.tool_choice !== undefined && request.tool_choice !== 'auto') {
      return { kind: 'bad_request', message: parameterFixture.error.message, body: parameterFixture };
    }
    return undefined;
  },
  error(kind, message) {
    const template = templates[kind];
    return { error: { code: template.code, message: message ?? template.message } };
  },
  ...shapedReplies(shape),
  file: (file) => fileObject(fileFixture, file),
  fileContent: storedContent,
};
