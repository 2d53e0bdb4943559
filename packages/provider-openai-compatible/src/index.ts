export { createOpenAICompatibleProvider } from './provider.js';
export type {
  ChunkTransformer,
  ErrorContext,
  ErrorMapper,
  OpenAICompatibleSettings,
  RawChunk,
  RawCompletion,
  RequestBody,
  RequestContext,
  ResponseContext,
} from './types.js';
export {
  CONSERVATIVE_DEFAULTS,
  createModelCatalog,
  type ModelCatalog,
  type ModelCatalogEntry,
  type ModelCatalogOptions,
} from './model-catalog.js';
export { codeForStatus, mapHttpError, redact, upstreamMessage } from './error-mapping.js';
export { GATEWAY_ONLY_FIELDS, prepareRequestBody } from './request-body.js';
export { normalizeChunk, normalizeCompletion, normalizeUsage } from './normalize.js';
export {
  runToolLoop,
  type StepExecutor,
  type ToolContext,
  type ToolDefinition,
  ToolLoopLimitError,
  type ToolLoopOptions,
  type ToolLoopResult,
  type ToolLoopStep,
} from './tool-loop.js';
export {
  buildError,
  type Classification,
  classifyStatus,
  looksLikeContextLength,
  readErrorBody,
  type UpstreamFailure,
} from './upstream-failure.js';
export { lazyInstance } from './lazy.js';
export { resolveBaseURL } from './base-url.js';
