export { resolveBaseURL } from './base-url.js';
export { redact } from './error-mapping.js';
export {
  type BuiltProvider,
  createProvider,
  deferredAdapter,
  defineProvider,
  eachChunk,
  loadApiKeys,
  type ProviderDefinition,
  type ProviderHooks,
  type ProviderSettings,
  type StatelessDialect,
  statelessHooks,
  type ThinProvider,
} from './factory.js';
export {
  CONSERVATIVE_DEFAULTS,
  createModelCatalog,
  type ModelCatalog,
  type ModelCatalogEntry,
  type ModelCatalogOptions,
} from './model-catalog.js';
export { normalizeChunk, normalizeCompletion, normalizeUsage } from './normalize.js';
export { createOpenAICompatibleProvider } from './provider.js';
export {
  BILLING,
  type Classification,
  CONTEXT_LENGTH,
  classifyStatus,
  type ErrorFields,
  type ErrorFieldsData,
  errorFieldsOf,
  errorFieldsSchema,
  errorFieldsStructure,
  looksLikeContextLength,
  mapProviderError,
  numericErrorCode,
  type OpenAICompatibleErrorData,
  openAICompatibleErrorSchema,
  openAICompatibleErrorStructure,
  openAIErrorObjectSchema,
  type ProviderErrorOptions,
  type ProviderErrorStructure,
  type UpstreamFailure,
} from './provider-error.js';
export { clamp, GATEWAY_ONLY_FIELDS, prepareRequestBody, withoutStrict } from './request-body.js';
export {
  chunkSchema,
  completionSchema,
  messageSchema,
  type RawChunk,
  type RawCompletion,
  type RawMessage,
  type RawToolCall,
  type RawUsage,
  toolCallSchema,
  usageSchema,
} from './schemas.js';
export {
  runToolLoop,
  type StepExecutor,
  type ToolLoopContext,
  ToolLoopLimitError,
  type ToolLoopOptions,
  type ToolLoopResult,
  type ToolLoopStep,
  type ToolLoopTool,
} from './tool-loop.js';
export type {
  ChunkTransformer,
  OpenAICompatibleSettings,
  RequestBody,
  RequestContext,
  ResponseContext,
} from './types.js';
