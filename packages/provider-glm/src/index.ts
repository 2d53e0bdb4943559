export type { UpstreamFailure } from '@exai/provider-openai-compatible';
export { citationsFromCompletion, type GlmSearchResult, toCitations } from './citations.js';
export { classifyGlmCode, glmErrorStructure, mapGlmError } from './error-mapping.js';
export {
  createGlm,
  GLM_BASE_URLS,
  type GlmProvider,
  type GlmRegion,
  type GlmSettings,
  glm,
  glmModels,
  resolveGlmBaseURL,
} from './glm-provider.js';
export { normalizeGlmChunk, normalizeGlmResponse } from './normalize.js';
export { type GlmWebSearchOptions, glmWebSearchTool, shapeGlmRequest } from './request-shaping.js';
export { type GlmWebSearchCallOptions, glmWebSearch, type WebSearchTransport } from './web-search.js';
