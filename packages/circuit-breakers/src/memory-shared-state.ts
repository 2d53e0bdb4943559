// The in-process implementation lives with its interface in @exai/core.
export { createMemorySharedBreakerState } from '@exai/core';
