export type { UpstreamFailure } from '@exai/provider-openai-compatible';
export {
  classifyMinimaxCode,
  type MinimaxErrorData,
  mapMinimaxError,
  minimaxErrorSchema,
  minimaxErrorStructure,
  readBaseResp,
} from './error-mapping.js';
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
export {
  createMinimaxChunkNormalizer,
  type NormalizeContext,
  normalizeMinimaxResponse,
  reasoningDetailsText,
  throwOnBaseResp,
} from './normalize.js';
export { minimumSampling, shapeMinimaxRequest } from './request-shaping.js';
export { type SplitText, splitThink, ThinkSplitter } from './think-splitter.js';
