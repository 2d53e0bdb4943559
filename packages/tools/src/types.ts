import type { TraceSpan, toolProfiles } from '@exai/core';
import type { Engine, OwnerScope, Stance, Store } from '@exai/engine';
import type { z } from 'zod';

/** A tool profile: the `EXAI_TOOL_PROFILE` values of @exai/core's settings. */
export type ToolProfile = (typeof toolProfiles)[number];

/** The engine's consensus stance, one declaration (re-exported for the tools' role config). */
export type { Stance } from '@exai/engine';

/** A named role: a model alias, a short system prompt and an optional consensus stance. */
export interface RoleDefinition {
  model: string;
  systemPrompt: string;
  stance?: Stance;
}

export type RoleConfig = Record<string, RoleDefinition>;

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

export interface ToolContext {
  /** Aborting cancels the upstream provider request. */
  signal?: AbortSignal;
  /** Called while a long call runs (stream chunks, consensus answers). */
  progress?: (progress: ToolProgress) => void;
  /** Who called (an API key id), for the request log. */
  caller?: string;
  /** The caller's span (e.g. exai-mcp's `tools/call` span): the engine's spans are its children. */
  span?: TraceSpan;
  /** The caller's W3C trace id (an MCP `_meta.traceparent`), for the request log; with or without a tracer. */
  traceId?: string;
  /**
   * The caller's tenant: threads (`continuation_id`, `threads`) and provider uploads (`files`,
   * `file_query`) are those of `scope.owner` only, or of everyone for an admin scope. Required:
   * an app that forgets it gets a failed call, never another tenant's data.
   */
  scope: OwnerScope;
}

export interface ToolResultMeta {
  provider: string;
  model: string;
  continuation_id?: string;
  simulated: boolean;
  attempts: number;
}

export interface ToolResult {
  /** Text for the calling model. */
  content: string;
  structured?: Record<string, unknown>;
  isError?: boolean;
  meta?: ToolResultMeta;
}

/**
 * The JSON Schema keywords a tool's `jsonSchema` uses (what `z.toJSONSchema` writes for the tools' inputs),
 * read loosely: for callers that generate or check arguments against a listing.
 */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  /** JSON Schema of the input, for REST and WebSocket listings. */
  jsonSchema: Record<string, unknown>;
  outputSchema?: z.ZodObject;
  /** JSON Schema of `structured` on success, when the tool has a structured answer. */
  outputJsonSchema?: Record<string, unknown>;
  annotations: ToolAnnotations;
}

/** A tool's listing without its zod schemas (what `@exai/tools/listing` reads without loading the engine). */
export type ListedTool = Omit<ToolDefinition, 'inputSchema' | 'outputSchema'>;

export interface ToolRegistry {
  readonly profile: ToolProfile;
  readonly roles: Readonly<RoleConfig>;
  list(): ToolDefinition[];
  /** Never throws for bad input or tool failures: those are results with `isError: true` and a hint. */
  call(name: string, args: unknown, context: ToolContext): Promise<ToolResult>;
}

export interface ToolRegistryOptions {
  engine: Engine;
  /** The store the composition root gave the engine: threads, files and uploads. */
  store: Store;
  /** Default `EXAI_TOOL_PROFILE`, else `standard`. */
  profile?: ToolProfile;
  /** Tools added to the profile. Default `EXAI_ENABLED_TOOLS` (comma-separated). */
  enabled?: string[];
  /** Tools removed from the profile (never `listmodels` or `version`). Default `EXAI_DISABLED_TOOLS`. */
  disabled?: string[];
  /** Role overrides merged over the defaults; `EXAI_ROLES` (JSON) is merged first. */
  roles?: Partial<Record<string, Partial<RoleDefinition>>>;
  /**
   * Directories local file paths may come from. Default `EXAI_ALLOWED_ROOTS` (path-delimited), else `process.cwd()`.
   */
  allowedRoots?: string[];
  /** Token budget for local files read into a prompt. Default 32,000. */
  fileBudgetTokens?: number;
  /** Reported by `version` (e.g. the app's name and version). */
  server?: { name: string; version: string };
  /** Environment to read the `EXAI_*` defaults from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
