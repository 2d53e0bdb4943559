import path from 'node:path';
import { formatSettingsIssue, parseSettings, type SettingName, toolProfiles } from '@exai/core';
import { z } from 'zod';
import { failure, fromError, type HintContext, invalidArguments } from './errors.js';
import { mergeRoles, parseRolesEnv } from './roles.js';
import { selectFrom } from './select.js';
import type { RunContext, ToolSpec } from './spec.js';
import { chatTool } from './tools/chat.js';
import { consensusTool } from './tools/consensus.js';
import { fileQueryTool } from './tools/file-query.js';
import { filesTool } from './tools/files.js';
import { listModelsTool, statusTool, versionTool } from './tools/info.js';
import { reviewTools } from './tools/reviews.js';
import { threadsTool } from './tools/threads.js';
import { webSearchTool } from './tools/web-search.js';
import type {
  ListedTool,
  ToolContext,
  ToolDefinition,
  ToolProfile,
  ToolRegistry,
  ToolRegistryOptions,
  ToolResult,
} from './types.js';

/** Every tool, in listing order. */
export const ALL_TOOLS: readonly ToolSpec[] = [
  chatTool,
  consensusTool,
  ...reviewTools,
  webSearchTool,
  fileQueryTool,
  filesTool,
  threadsTool,
  listModelsTool,
  statusTool,
  versionTool,
];

/** Every tool name, in listing order. */
export const TOOL_NAMES: readonly string[] = ALL_TOOLS.map((tool) => tool.name);

export { ALWAYS_ON } from './select.js';

/** The tool profiles, narrowest first (declared with the `EXAI_TOOL_PROFILE` setting in @exai/core). */
export const PROFILES = toolProfiles;

const KIND_ALIAS: Record<string, string> = { glm: 'glm', kimi: 'kimi', minimax: 'minimax', openai: 'gpt' };

/** The variables the registry reads (see @exai/core's settings). */
const TOOL_VARIABLES: ReadonlySet<SettingName> = new Set([
  'EXAI_TOOL_PROFILE',
  'EXAI_ENABLED_TOOLS',
  'EXAI_DISABLED_TOOLS',
  'EXAI_ROLES',
  'EXAI_ALLOWED_ROOTS',
]);

/** The names a profile plus `enabled`, minus `disabled`, selects; unknown names throw. */
export function selectTools(profile: ToolProfile, enabled: string[] = [], disabled: string[] = []): string[] {
  return selectFrom(ALL_TOOLS, profile, enabled, disabled);
}

function jsonSchemaOf(schema: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _schema, ...json } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return json;
}

function definitionOf(tool: ToolSpec): ToolDefinition {
  const jsonSchema = jsonSchemaOf(tool.input, 'input');
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.input,
    jsonSchema,
    ...(tool.output ? { outputSchema: tool.output, outputJsonSchema: jsonSchemaOf(tool.output, 'output') } : {}),
    annotations: { title: tool.title, ...tool.annotations },
  };
}

/** Every tool's listing (JSON only) with its profile, in order: what the build writes to `listing.json`. */
export function allToolListings(): Array<ListedTool & { profile: ToolProfile }> {
  return ALL_TOOLS.map((tool) => {
    const { inputSchema: _input, outputSchema: _output, ...listed } = definitionOf(tool);
    return { ...listed, profile: tool.profile };
  });
}

/**
 * A successful result of a tool with an output schema carries a structured answer that matches it
 * (the parsed value is passed on); one that does not is our bug, reported as an internal failure.
 */
function checkOutput(tool: ToolSpec, result: ToolResult): ToolResult {
  if (result.isError || !tool.output) return result;
  const checked = tool.output.safeParse(result.structured ?? {});
  if (checked.success) return { ...result, structured: checked.data as Record<string, unknown> };
  const where = checked.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
  return failure(
    `internal error: ${tool.name} answered outside its output schema (${where})`,
    'retry once; if it repeats, call status and report it to the user',
    { error: 'internal' },
  );
}

/** Builds the registry both apps use: the tools of a profile, validated calls, failures as hinted results. */
export function createToolRegistry(options: ToolRegistryOptions): ToolRegistry {
  const env = options.env ?? process.env;
  const engine = options.engine;
  const { settings, issues } = parseSettings(env);
  const bad = issues.filter((issue) => TOOL_VARIABLES.has(issue.variable));
  if (bad.length > 0) throw new TypeError(bad.map(formatSettingsIssue).join('; '));
  const profile = options.profile ?? settings.EXAI_TOOL_PROFILE ?? 'standard';
  const names = selectTools(
    profile,
    options.enabled ?? settings.EXAI_ENABLED_TOOLS,
    options.disabled ?? settings.EXAI_DISABLED_TOOLS,
  );
  const roles = mergeRoles(parseRolesEnv(settings.EXAI_ROLES), options.roles ?? {});
  const allowedRoots = (options.allowedRoots ?? settings.EXAI_ALLOWED_ROOTS ?? [process.cwd()]).map((root) =>
    path.resolve(root),
  );
  const tools = new Map(ALL_TOOLS.filter((tool) => names.includes(tool.name)).map((tool) => [tool.name, tool]));
  const definitions = [...tools.values()].map(definitionOf);
  const hints: HintContext = {
    resetTimeoutMs: engine.config.breaker.resetTimeoutMs,
    alternatives: (provider) => {
      const open = new Set(
        engine
          .status()
          .breakers.filter((breaker) => breaker.state === 'open')
          .map((breaker) => breaker.key),
      );
      return engine
        .adapters()
        .filter((adapter) => adapter.id !== provider && !open.has(adapter.id) && KIND_ALIAS[adapter.kind])
        .map((adapter) =>
          adapter.id === adapter.kind
            ? KIND_ALIAS[adapter.kind]!
            : `${adapter.id}/${adapter.catalog()[0]?.id ?? adapter.kind}`,
        );
    },
  };
  const server = options.server ?? { name: 'exai', version: '0.0.0' };
  return {
    profile,
    roles,
    list: () => definitions,
    async call(name: string, args: unknown, context: ToolContext): Promise<ToolResult> {
      const tool = tools.get(name);
      if (!tool)
        return failure(`unknown tool '${name}'`, `available tools: ${[...tools.keys()].join(', ')}`, {
          error: 'unknown_tool',
        });
      const parsed = tool.input.safeParse(args ?? {});
      if (!parsed.success) return invalidArguments(name, parsed.error);
      if (context.signal?.aborted) return failure('cancelled', 'the call was aborted before it started');
      if (typeof context.scope?.owner !== 'string' || context.scope.owner === '') {
        return failure(
          'this call carries no caller identity',
          'the server embedding the tools must pass the caller scope',
          { error: 'no_scope' },
        );
      }
      const run: RunContext = {
        ...context,
        engine,
        store: options.store,
        roles,
        allowedRoots,
        fileBudgetTokens: options.fileBudgetTokens ?? 32_000,
        hints,
        profile,
        server,
        toolNames: () => [...tools.keys()],
      };
      try {
        return checkOutput(tool, await tool.run(parsed.data, run));
      } catch (error) {
        return fromError(error, hints);
      }
    },
  };
}
