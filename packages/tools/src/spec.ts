import type { Engine, Store } from '@exai/engine';
import { z } from 'zod';
import type { HintContext } from './errors.js';
import type { RoleConfig, ToolAnnotations, ToolContext, ToolProfile, ToolResult } from './types.js';

/** Everything a tool's `run` may use besides its arguments. */
export interface RunContext extends ToolContext {
  engine: Engine;
  /** The store of threads, files and uploads (the one the engine remembers in). */
  store: Store;
  roles: Readonly<RoleConfig>;
  allowedRoots: string[];
  fileBudgetTokens: number;
  hints: HintContext;
  profile: ToolProfile;
  server: { name: string; version: string };
  /** Names of the tools this registry exposes. */
  toolNames: () => string[];
}

/** A tool as written in `src/tools/*`: its schema, the smallest profile it belongs to, and `run`. */
export interface ToolSpec<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: Input;
  output?: z.ZodObject;
  annotations: ToolAnnotations;
  profile: ToolProfile;
  /** May throw: the registry answers a thrown error as a hinted failure (`fromError`), so tools need no catch. */
  run(args: z.infer<Input>, context: RunContext): Promise<ToolResult>;
}

/** Keeps `run`'s argument type tied to the schema. */
export function defineTool<Input extends z.ZodObject>(spec: ToolSpec<Input>): ToolSpec {
  return spec as unknown as ToolSpec;
}

/** Fields shared by the model-backed tools, with short descriptions (the listing must stay small). */
export const fields = {
  prompt: z.string().min(1).describe('The request'),
  model: z.string().min(1).optional().describe('Model or alias (see listmodels)'),
  role: z.string().min(1).optional().describe('Named role instead of a model (see listmodels)'),
  files: z.array(z.string().min(1)).max(50).optional().describe('Local file paths to include'),
  continuation_id: z.string().min(1).optional().describe('Continue a thread'),
  temperature: z.number().min(0).max(2).optional(),
  thinking: z.boolean().optional().describe('Provider thinking mode'),
};

export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
export const MODEL_CALL: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
};
