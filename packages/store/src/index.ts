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
export { createSharedState, type SharedStateOptions } from './shared-state.js';
export { createStore, defaultDataDir, storeDefaults } from './store.js';
export type {
  ApiKeyRecord,
  AttemptRecord,
  CreatedApiKey,
  FileRecord,
  FileStorage,
  JsonObject,
  JsonValue,
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
  ResponseTransition,
  SharedState,
  SignalOption,
  Store,
  StoreDialect,
  StoredResponseRecord,
  StoreOptions,
  ThreadRecord,
  TurnRecord,
} from './types.js';
