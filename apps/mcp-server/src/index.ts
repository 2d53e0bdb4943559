export { GatedTransport } from './gated-transport.js';
export {
  type HttpServerOptions,
  isLoopback,
  type RunningHttpServer,
  startHttpServer,
  tokenOwner,
} from './http-server.js';
export {
  createBareServer,
  type McpServerOptions,
  registerTools,
  SERVER_NAME,
  TASK_TOOLS,
  toolCallsInFlight,
  toolTableOf,
} from './mcp-server.js';
export { loadRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
export { AbortingTaskStore } from './tasks.js';
export { TOOL_NAME, TOOLS_LIST_TTL_MS, type ToolCallContext, type ToolEntry, ToolTable } from './tool-table.js';
export { wireServer } from './wire.js';
