export {
  type ChannelSharedStateOptions,
  createChannelSharedState,
  type SharedStateChannel,
  type SharedStateEvent,
  type SharedStateRequest,
  type SharedStateServer,
  serveSharedState,
} from './channel-shared-state.js';
export {
  createEventLog,
  createMemoryEventLog,
  createRedisEventLog,
  type EventLog,
  type EventLogOptions,
  eventLogDefaults,
  type LoggedEvent,
} from './event-log.js';
export type { MaintenanceResult } from './maintenance.js';
export {
  createMemoryRateLimiter,
  createMemorySemaphore,
  createMemorySharedBreakerState,
  type MemoryOptions,
} from './memory-shared-state.js';
export { localOwner } from './owner.js';
export { createRedisSharedBreakerState, type RedisSharedBreakerState } from './redis-breaker-state.js';
export type { RedisOptions, RedisSource } from './redis-connection.js';
export {
  createRedisRateLimiter,
  createRedisSemaphore,
  type RedisRateLimiter,
  type RedisSemaphore,
} from './redis-limits.js';
export { createDatabaseResponseCache, createRedisResponseCache } from './response-cache.js';
export { createSharedState, type SharedStateOptions } from './shared-state.js';
export { createStore, defaultDataDir, storeDefaults } from './store.js';
export type {
  ApiKeyPolicy,
  ApiKeyRecord,
  AttemptRecord,
  BudgetPeriod,
  CreatedApiKey,
  FileRecord,
  FileStorage,
  JsonObject,
  JsonValue,
  KeyBudget,
  ListOptions,
  NewAttempt,
  NewFile,
  NewProviderUpload,
  NewRequest,
  NewStoredResponse,
  NewThread,
  NewTurn,
  OwnerScope,
  ProviderUploadRecord,
  RequestRecord,
  ResponseCache,
  ResponseTransition,
  SharedState,
  SignalOption,
  SpendReservation,
  SpendRow,
  Store,
  StoreDialect,
  StoredResponseRecord,
  StoreOptions,
  ThreadRecord,
  TurnRecord,
} from './types.js';
