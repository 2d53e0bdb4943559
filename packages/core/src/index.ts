export {
  type AllowedPath,
  type AllowedRoot,
  isPathInside,
  resolveAllowedPath,
  resolveAllowedRoots,
} from './allowed-path.js';
export {
  ConfigError,
  type ConfigIssue,
  configSchema,
  defaultModelMap,
  type Env,
  type GatewayConfig,
  type GatewayConfigInput,
  type LoadConfigOptions,
  loadConfig,
  type ModelOverride,
  type ProviderConfig,
  type ProviderKind,
  providerBaseUrlEnv,
  providerConfigSchema,
  providerKeyEnv,
  providerKinds,
  readEnv,
  splitKeys,
} from './config.js';
export { type Cost, costOf, DEFAULT_CURRENCY, sumCosts, zeroCost } from './cost.js';
export {
  AuthError,
  BadRequestError,
  BudgetExceededError,
  CancelledError,
  CircuitOpenError,
  ContentFilterError,
  ContextLengthError,
  ERROR_CODES,
  type ErrorCode,
  GatewayError,
  type GatewayErrorOptions,
  isCredentialFailure,
  NetworkError,
  NotFoundError,
  OverloadedError,
  QueueFullError,
  RateLimitedError,
  ServerError,
  StoreUnavailableError,
  StreamInterruptedError,
  TimeoutError,
  toGatewayError,
  UpstreamAuthError,
  UpstreamBillingError,
} from './errors.js';
export {
  createHostGuard,
  type HostGuard,
  type HostGuardOptions,
  hostName,
  isLoopback,
  isWildcardHost,
  LOOPBACK_NAMES,
} from './host-guard.js';
export { type CreateLoggerOptions, createLogger, type Logger, redactSecrets, registerSecret } from './logger.js';
export { type OpenAIErrorBody, toOpenAIError } from './openai-error.js';
export { ownValue } from './own.js';
export { installProcessGuard, type ProcessGuardOptions } from './process-guard.js';
export type { CallOptions, FilesApi, FileUpload, ProviderAdapter, WebSearchOptions } from './provider.js';
export { assertProviderOptions, PROTECTED_PROVIDER_OPTIONS, safeProviderOptions } from './provider-options.js';
export { parseRetryAfter } from './retry-after.js';
export { percentile, RingBuffer } from './ring-buffer.js';
export {
  formatSettingsIssue,
  issuesOf,
  logLevels,
  parseSettings,
  type SettingDoc,
  type SettingName,
  type Settings,
  type SettingsApp,
  type SettingsIssue,
  settingDoc,
  settingNames,
  settingsDocs,
  settingsSchema,
  settingsTable,
  toolProfiles,
} from './settings.js';
export type {
  BreakerState,
  RateLimitDecision,
  SharedBreakerRecord,
  SharedBreakerState,
  SharedRateLimiter,
  SharedSemaphore,
} from './shared-state.js';
export { createMemorySharedBreakerState } from './shared-state.js';
export {
  type ClientErrorAnswer,
  clientErrorAnswer,
  defaultHttpServerLimits,
  type GuardHttpServerOptions,
  guardHttpServer,
  type HttpServerLimits,
  httpServerLimitsOf,
  isSocketError,
  readHttpServerLimits,
} from './socket-guard.js';
export type {
  SpanAttributes,
  SpanAttributeValue,
  SpanKind,
  StartSpanOptions,
  Tracer,
  TraceSpan,
} from './tracing.js';
export type {
  BuiltinTool,
  ChatChoice,
  ChatChunk,
  ChatChunkDelta,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  Citation,
  ContentPart,
  FileObject,
  FinishReason,
  FunctionTool,
  ImagePart,
  ModelCapabilities,
  ModelInfo,
  ModelPricing,
  ProviderId,
  Role,
  TextPart,
  ThinkingOption,
  Tool,
  ToolCall,
  ToolCallDelta,
  ToolChoice,
  Turn,
  Usage,
} from './types.js';
