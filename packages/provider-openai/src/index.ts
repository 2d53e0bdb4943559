export {
  createOpenAI,
  createOpenAICompatible,
  OPENAI_DEFAULT_BASE_URL,
  type OpenAICompatibleOptions,
  type OpenAIOptions,
  openai,
  openaiCatalog,
} from './create-openai.js';
export { effortFromThinking, isReasoningModel, transformOpenAIRequest } from './request-shaping.js';
