import type { OwnerScope } from '@exai/engine';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { toolTracingOf } from './entries.js';
import { registerTools } from './mcp-server.js';
import type { Runtime } from './runtime.js';

export { toolTracingOf };

/** Tools and prompts from the registry for one tenant, and breaker state changes as MCP log messages. */
export function wireServer(server: McpServer, runtime: Omit<Runtime, 'store'>, scope: OwnerScope): void {
  registerTools(server, runtime.registry, scope, toolTracingOf(runtime));
  logBreakers(server, runtime);
}

/** Breaker state changes as MCP log messages, until the server closes. */
export function logBreakers(server: McpServer, runtime: Pick<Runtime, 'engine'>): void {
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
