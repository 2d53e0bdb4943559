export { startSimulator } from './server.js';
export { scenarioNames } from './scenario.js';
export type { Attempt, Dialect, Simulator, SimulatorOptions } from './types.js';
