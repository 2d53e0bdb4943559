export { scenarioNames } from './scenario.js';
export { startSimulator } from './server.js';
export type { Attempt, Dialect, Simulator, SimulatorOptions } from './types.js';
