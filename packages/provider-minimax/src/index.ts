export {
  createMinimax,
  MINIMAX_BASE_URLS,
  type MinimaxProvider,
  type MinimaxRegion,
  type MinimaxSettings,
  minimax,
  minimaxModels,
  resolveMinimaxBaseURL,
} from './minimax-provider.js';
export { minimumSampling, shapeMinimaxRequest } from './request-shaping.js';
export {
  classifyMinimaxCode,
  mapMinimaxError,
  type MinimaxErrorData,
  minimaxErrorSchema,
  minimaxErrorStructure,
  readBaseResp,
} from './error-mapping.js';
export type { UpstreamFailure } from '@exai/provider-openai-compatible';
export { createMinimaxChunkNormalizer, type NormalizeContext, normalizeMinimaxResponse, reasoningDetailsText, throwOnBaseResp } from './normalize.js';
export { type SplitText, splitThink, ThinkSplitter } from './think-splitter.js';
