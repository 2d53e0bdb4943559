export {
  type AnthropicEvent,
  type AnthropicMessageOut,
  estimateInputTokens,
  toAnthropicError,
  toAnthropicMessage,
  toChatRequest,
} from './anthropic/mapping.js';
export { routeModel } from './anthropic/model-map.js';
export { countTokensBodySchema, type MessagesBody, messagesBodySchema } from './anthropic/schema.js';
export { AnthropicStreamMapper } from './anthropic/stream-events.js';
export { type BuildAppOptions, buildApp } from './app.js';
export { type CreateAuthOptions, createAuth, presentedKey } from './auth.js';
export { type ChatBody, chatBodySchema, parseChatBody, validateBody } from './chat-schema.js';
export type {
  App,
  AppDeps,
  Auth,
  AuthCheckOptions,
  AuthResult,
  HeadersLike,
  Metrics,
  MetricsEvents,
  RecentRequest,
  RecentRequests,
  RecordedRequest,
} from './deps.js';
export { type CreateMetricsOptions, createMetrics } from './metrics.js';
export { RecentRequestBuffer } from './ring-buffer.js';
export type { HealthState } from './routes/health.js';
export {
  type RunningServer,
  SERVER_NAME,
  SERVER_VERSION,
  type StartServerOptions,
  StartupError,
  startServer,
} from './server.js';
export { isLoopback, readSettings, type ServerSettings } from './settings.js';
