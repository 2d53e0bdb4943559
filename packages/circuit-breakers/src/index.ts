export { createMemorySharedBreakerState } from './memory-shared-state.js';
export { type BreakerOptions, DEFAULT_BREAKER_OPTIONS, modelBreakerKey } from './options.js';
export { createBreakerRegistry } from './registry.js';
export { type BackoffOptions, computeBackoff, type RetryInfo, type RetryOptions, retry } from './retry.js';
export { type FaultScope, faultScope } from './scope.js';
export type * from './types.js';
