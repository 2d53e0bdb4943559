export { type GlmProvider, type GlmRegion, type GlmSettings, GLM_BASE_URLS, createGlm, glm, glmModels, resolveGlmBaseURL } from './glm-provider.js';
export { type GlmWebSearchOptions, glmWebSearchTool, shapeGlmRequest } from './request-shaping.js';
export { classifyGlmCode, glmErrorStructure, mapGlmError } from './error-mapping.js';
export type { UpstreamFailure } from '@exai/provider-openai-compatible';
export { citationsFromCompletion, type GlmSearchResult, toCitations } from './citations.js';
export { normalizeGlmChunk, normalizeGlmResponse } from './normalize.js';
export { type GlmWebSearchCallOptions, glmWebSearch, type WebSearchTransport } from './web-search.js';
