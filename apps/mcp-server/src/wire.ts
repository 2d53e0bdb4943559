import type { OwnerScope } from '@exai/engine';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from './mcp-server.js';
import type { Runtime } from './runtime.js';
import type { ToolTracing } from './trace-context.js';

/** The log and (when tracing is on) the tracer of `tools/call`, for either protocol version. */
export function toolTracingOf(runtime: Pick<Runtime, 'engine' | 'tracer'>): ToolTracing {
  return { logger: runtime.engine.logger, ...(runtime.tracer ? { tracer: runtime.tracer } : {}) };
}

/** Tools and prompts from the registry for one tenant, and breaker state changes as MCP log messages. */
export function wireServer(server: McpServer, runtime: Omit<Runtime, 'store'>, scope: OwnerScope): void {
  registerTools(server, runtime.registry, scope, toolTracingOf(runtime));
  const listener = (event: { provider: string; from: string; to: string }) => {
    if (!server.isConnected()) return;
    server
      .sendLoggingMessage({
        level: event.to === 'open' ? 'warning' : 'info',
        logger: 'exai',
        data: `provider ${event.provider} circuit ${event.from} → ${event.to}`,
      })
      .catch(() => undefined);
  };
  const unsubscribe = runtime.engine.on('breaker', listener);
  const previous = server.server.onclose;
  server.server.onclose = () => {
    unsubscribe();
    previous?.();
  };
}
