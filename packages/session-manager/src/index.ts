export { createSessionManager } from './session-manager.js';
export { defaults as sessionManagerDefaults } from './options.js';
export type {
  ListOptions,
  LoadCounts,
  Percentiles,
  ProviderLimits,
  RunContext,
  RunOptions,
  SessionFunction,
  SessionListener,
  SessionManager,
  SessionManagerOptions,
  SessionMetrics,
  SessionRecord,
  SessionStatus,
  SettledResult,
} from './types.js';
