import type { OwnerScope } from '@exai/engine';
import type { ListedTool, ToolRegistry, ToolResult } from '@exai/tools';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { iconsOf } from './icons.js';
import type { Runtime } from './runtime.js';
import type { ToolEntry } from './tool-table.js';
import type { ToolTracing } from './trace-context.js';

// The listing and prompts for either SDK, with types only from the SDKs: the 2026 stdio server
// answers `tools/list` from here without loading SDK 1.x, the engine or @exai/core.

export const SERVER_NAME = 'exai';

/** Tools also offered as prompts (slash commands in hosts that show prompts). */
export const PROMPT_TOOLS: readonly string[] = [
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

/** Tools that may run as tasks (2025-11-25 experimental): the ones that can outlast a client's request timeout. */
export const TASK_TOOLS: readonly string[] = ['consensus', 'thinkdeep', 'codereview', 'analyze', 'file_query'];

/** What runs the calls (awaited per call: the engine may still be loading). */
export interface ToolRunner {
  registry: ToolRegistry;
  /** The tenant (stdio: the local one; HTTP: the token's): its threads and uploads. */
  scope: OwnerScope;
  tracing?: ToolTracing;
}

function toCallResult(result: ToolResult, listed: ListedTool): CallToolResult {
  return {
    content: [{ type: 'text' as const, text: result.content }],
    ...(result.isError ? { isError: true } : {}),
    ...(listed.outputJsonSchema && result.structured && !result.isError
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

function listingOf(listed: ListedTool): Tool {
  return {
    name: listed.name,
    title: listed.title,
    description: listed.description,
    inputSchema: listed.jsonSchema as Tool['inputSchema'],
    ...(listed.outputJsonSchema ? { outputSchema: listed.outputJsonSchema as Tool['outputSchema'] } : {}),
    annotations: listed.annotations,
    icons: iconsOf(listed.name),
    ...(TASK_TOOLS.includes(listed.name) ? { execution: { taskSupport: 'optional' as const } } : {}),
  };
}

/** The log and (when tracing is on) the tracer of `tools/call`, for either protocol version. */
export function toolTracingOf(runtime: Pick<Runtime, 'engine' | 'tracer'>): ToolTracing {
  return { logger: runtime.engine.logger, ...(runtime.tracer ? { tracer: runtime.tracer } : {}) };
}

// Loaded with the first call (it needs @exai/core), not with the listing.
let tracingModule: Promise<typeof import('./trace-context.js')> | undefined;
const tracingLoaded = () => {
  tracingModule ??= import('./trace-context.js');
  return tracingModule;
};

/**
 * Tool-table entries from a listing (the registry's, or `@exai/tools/listing`'s while the engine
 * loads); each call awaits `runner` (its registry and tenant).
 */
export function listedToolEntriesOf(
  listing: readonly ListedTool[],
  runner: ToolRunner | (() => Promise<ToolRunner>),
): ToolEntry[] {
  return listing.map((listed) => ({
    tool: listingOf(listed),
    async call(args, context) {
      running += 1;
      let finish: ((answer: CallToolResult | undefined) => void) | undefined;
      let answer: CallToolResult | undefined;
      try {
        const [{ registry, scope, tracing = {} }, { traceToolCall }] = await Promise.all([
          typeof runner === 'function' ? runner() : runner,
          tracingLoaded(),
        ]);
        // A `_meta.traceparent` (either protocol version) is the parent of this call's span.
        const trace = traceToolCall(tracing, listed.name, context.meta);
        finish = trace.finish;
        // The registry validates the arguments: a bad one is its hinted isError result.
        const result = await registry.call(listed.name, args, {
          signal: context.signal,
          scope,
          ...(context.progress ? { progress: context.progress } : {}),
          ...(context.sessionId ? { caller: `mcp:${context.sessionId}` } : {}),
          ...(trace.span ? { span: trace.span } : {}),
          ...(trace.traceId ? { traceId: trace.traceId } : {}),
        });
        answer = toCallResult(result, listed);
        return answer;
      } finally {
        running -= 1;
        finish?.(answer);
      }
    },
  }));
}

/** The registry's tools as tool-table entries for one tenant (`scope`: its threads and uploads). */
export function toolEntriesOf(registry: ToolRegistry, scope: OwnerScope, tracing: ToolTracing = {}): ToolEntry[] {
  return listedToolEntriesOf(registry.list(), { registry, scope, tracing });
}

/** A prompt, for either SDK: its listing and its messages for the given arguments. */
export interface PromptEntry {
  name: string;
  title?: string;
  description?: string;
  arguments: Array<{ name: string; description?: string; required?: boolean }>;
  messages(args: Record<string, string | undefined>): Array<{ role: 'user'; content: { type: 'text'; text: string } }>;
}

/** Each main tool as a prompt (a slash command in hosts that show prompts), from a listing. */
export function promptEntriesOf(listing: readonly ListedTool[]): PromptEntry[] {
  return listing
    .filter((listed) => PROMPT_TOOLS.includes(listed.name))
    .map((listed) => ({
      name: listed.name,
      title: listed.title,
      description: listed.description,
      arguments: [{ name: 'request', description: 'What to ask' }],
      messages: ({ request }) => [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Use the exai "${listed.name}" tool${request ? ` for: ${request}` : '.'}` +
              ' Pass its continuation_id on follow-ups.',
          },
        },
      ],
    }));
}
