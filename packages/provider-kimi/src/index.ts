export type { UpstreamFailure } from '@exai/provider-openai-compatible';
export { classifyKimiType, kimiErrorStructure, mapKimiError } from './error-mapping.js';
export { kimiFileMessages } from './file-messages.js';
export {
  createKimi,
  KIMI_BASE_URLS,
  type KimiProvider,
  type KimiRegion,
  type KimiSettings,
  kimi,
  kimiModels,
  resolveKimiBaseURL,
} from './kimi-provider.js';
export { normalizeKimiChunk, normalizeKimiResponse } from './normalize.js';
export { kimiWebSearchTool, shapeKimiRequest } from './request-shaping.js';
