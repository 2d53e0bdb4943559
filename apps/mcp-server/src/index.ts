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
  toolCallsInFlight,
} from './mcp-server.js';
export { loadRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
export { wireServer } from './wire.js';
