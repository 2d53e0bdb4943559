export { createKimi, KIMI_BASE_URLS, type KimiProvider, type KimiRegion, type KimiSettings, kimi, kimiModels, resolveKimiBaseURL } from './kimi-provider.js';
export { kimiWebSearchTool, shapeKimiRequest } from './request-shaping.js';
export { classifyKimiType, kimiErrorStructure, mapKimiError } from './error-mapping.js';
export type { UpstreamFailure } from '@exai/provider-openai-compatible';
export { normalizeKimiChunk, normalizeKimiResponse } from './normalize.js';
export { kimiFileMessages } from './file-messages.js';
