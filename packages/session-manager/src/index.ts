export { defaults as sessionManagerDefaults } from './options.js';
export { createSessionManager } from './session-manager.js';
export type {
  LoadCounts,
  Percentiles,
  ProviderLimits,
  RunOptions,
  SessionFunction,
  SessionListener,
  SessionListOptions,
  SessionManager,
  SessionManagerOptions,
  SessionMetrics,
  SessionRecord,
  SessionRunContext,
  SessionStatus,
  SettledResult,
} from './types.js';
