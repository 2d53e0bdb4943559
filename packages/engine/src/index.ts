export { localOwner, type OwnerScope, type SharedState, type Store } from '@exai/store';
export { builtinSearchResults } from './builtin-search.js';
export {
  type ConsensusAnswer,
  type ConsensusAsk,
  type ConsensusError,
  type ConsensusOptions,
  type ConsensusParticipant,
  type ConsensusResponse,
  type ConsensusResult,
  type ConsensusSynthesis,
  consensusAnswerOf,
  participantMessages,
  runConsensus,
  STANCE_PROMPTS,
  type Stance,
  SYNTHESIS_PROMPT,
} from './consensus.js';
export type { CredentialHold, CredentialReason } from './credential-holds.js';
export { type ConsensusInput, createEngine, Engine } from './engine.js';
export type * from './engine-types.js';
export {
  buildFileContext,
  DEFAULT_MAX_FILE_BYTES,
  estimateTokens,
  type FileContext,
  type FileContextOptions,
  type FileSkipReason,
  type IncludedFile,
  type SkippedFile,
} from './file-context.js';
export { historyBudget, MESSAGE_OVERHEAD_TOKENS, type PackedHistory, packHistory, turnTokens } from './history.js';
export { textOf, withHistory } from './memory.js';
export { openStore } from './open-store.js';
export { buildAdapters, type SimulatedDialect, simulatedAdapters } from './providers.js';
export { type AutoRequirements, ModelResolver, type Target, type TaskCategory } from './resolve.js';
export { RetryBudget } from './retry-budget.js';
export type { RouteAttempt, RouteOptions, RouteTimeouts } from './route-types.js';
export { type BudgetMeta, budgetPeriod, periodStart, priceAttempts, promptTokens } from './spend.js';
