import type { OwnerScope } from '@exai/engine';
import type { ToolDefinition, ToolRegistry, ToolResult } from '@exai/tools';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export const SERVER_NAME = 'exai';

/** Tools also offered as prompts (slash commands in hosts that show prompts). */
const PROMPT_TOOLS = [
  'chat',
  'consensus',
  'thinkdeep',
  'codereview',
  'debug',
  'analyze',
  'planner',
  'challenge',
  'web_search',
  'file_query',
];

export interface McpServerOptions {
  version: string;
  /** Extra instructions shown to the host at initialize. */
  instructions?: string;
}

/** The MCP server with tools and the logging capability declared up front (tools can be added after connect). */
export function createBareServer(options: McpServerOptions): McpServer {
  return new McpServer(
    { name: SERVER_NAME, title: 'EX-AI gateway', version: options.version },
    {
      capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, logging: {} },
      // Registering many tools at once sends one list_changed, not one per tool.
      debouncedNotificationMethods: ['notifications/tools/list_changed', 'notifications/prompts/list_changed'],
      instructions:
        options.instructions ??
        'Tools that ask GLM, Kimi, MiniMax and GPT models. Every model answer carries a continuation_id: pass it to any tool to continue the thread. Call listmodels for models and roles.',
    },
  );
}

function toCallResult(result: ToolResult, definition: ToolDefinition) {
  return {
    content: [{ type: 'text' as const, text: result.content }],
    ...(result.isError ? { isError: true } : {}),
    ...(definition.outputSchema && result.structured && !result.isError
      ? { structuredContent: result.structured }
      : {}),
    ...(result.meta ? { _meta: { exai: { ...result.meta } } } : {}),
  };
}

let running = 0;

/** Tool calls in progress in this process (all servers). */
export function toolCallsInFlight(): number {
  return running;
}

/**
 * Registers every tool of the registry, and each main tool as a prompt. `scope` is the tenant of
 * this server's client (stdio: the local tenant; HTTP: the session's token): its threads and uploads.
 */
export function registerTools(server: McpServer, registry: ToolRegistry, scope: OwnerScope): void {
  for (const definition of registry.list()) {
    server.registerTool(
      definition.name,
      {
        title: definition.title,
        description: definition.description,
        inputSchema: definition.inputSchema,
        ...(definition.outputSchema ? { outputSchema: definition.outputSchema } : {}),
        annotations: definition.annotations,
      },
      async (args, extra) => {
        const token = extra._meta?.progressToken;
        let last = -1;
        const progress =
          token === undefined
            ? undefined
            : (update: { progress: number; total?: number; message?: string }) => {
                if (update.progress <= last) return;
                last = update.progress;
                extra
                  .sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...update } })
                  .catch(() => undefined);
              };
        running += 1;
        try {
          const result = await registry.call(definition.name, args, {
            signal: extra.signal,
            scope,
            ...(progress ? { progress } : {}),
            ...(extra.sessionId ? { caller: `mcp:${extra.sessionId}` } : {}),
          });
          return toCallResult(result, definition);
        } finally {
          running -= 1;
        }
      },
    );
    if (PROMPT_TOOLS.includes(definition.name)) {
      server.registerPrompt(
        definition.name,
        {
          title: definition.title,
          description: definition.description,
          argsSchema: { request: z.string().optional().describe('What to ask') },
        },
        ({ request }) => ({
          messages: [
            {
              role: 'user',
              content: {
                type: 'text',
                text: `Use the exai "${definition.name}" tool${request ? ` for: ${request}` : '.'} Pass its continuation_id on follow-ups.`,
              },
            },
          ],
        }),
      );
    }
  }
}
