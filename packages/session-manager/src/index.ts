export { defaults as sessionManagerDefaults } from './options.js';
export { createSessionManager } from './session-manager.js';
/** Every type of the public surface (types.ts holds only these). */
export type * from './types.js';
