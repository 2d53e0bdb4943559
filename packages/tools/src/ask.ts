import { type ChatMessage, type ChatRequest, ownValue, type TraceSpan } from '@exai/core';
import { buildFileContext, type EngineMeta } from '@exai/engine';
import { failure, fromError } from './errors.js';
import type { RunContext } from './spec.js';
import type { RoleDefinition, ToolResult, ToolResultMeta } from './types.js';

export interface AskInput {
  tool: string;
  prompt: string;
  model?: string | undefined;
  role?: string | undefined;
  /** Role used when neither `model` nor `role` is given. */
  defaultRole?: string;
  /** The tool's own instructions, placed before the role's. */
  instructions?: string;
  files?: string[] | undefined;
  continuation_id?: string | undefined;
  temperature?: number | undefined;
  thinking?: boolean | undefined;
  /** Messages placed between the instructions and the question (e.g. extracted file text). */
  preamble?: ChatMessage[];
}

export type Resolved = { ok: true; model: string; role?: RoleDefinition } | { ok: false; result: ToolResult };

/** `role` → its model and prompt; `model` wins over the role's model; else the default role, else `auto`. */
export function resolveModel(
  context: RunContext,
  input: { model?: string | undefined; role?: string | undefined; defaultRole?: string | undefined },
): Resolved {
  const roleName = input.role ?? (input.model ? undefined : input.defaultRole);
  if (roleName === undefined) return { ok: true, model: input.model ?? 'auto' };
  const role = ownValue(context.roles, roleName);
  if (!role) {
    return {
      ok: false,
      result: failure(
        `unknown role '${roleName}'`,
        `use one of: ${Object.keys(context.roles).join(', ')}, or pass a model`,
        { error: 'not_found', role: roleName },
      ),
    };
  }
  return { ok: true, model: input.model ?? role.model, role };
}

/** What every engine call of a tool carries from its caller: the identity for the request log, and the span. */
export function callerOptions(context: Pick<RunContext, 'caller' | 'span' | 'traceId'>): {
  caller?: string;
  span?: TraceSpan;
  traceId?: string;
} {
  return {
    ...(context.caller ? { caller: context.caller } : {}),
    ...(context.span ? { span: context.span } : {}),
    ...(context.traceId ? { traceId: context.traceId } : {}),
  };
}

export function metaOf(meta: EngineMeta): ToolResultMeta {
  return {
    provider: meta.provider,
    model: meta.model,
    ...(meta.continuationId ? { continuation_id: meta.continuationId } : {}),
    simulated: meta.simulated,
    attempts: meta.attempts.length,
  };
}

/** One line the calling model can read to continue the thread. */
export function footer(meta: ToolResultMeta): string {
  const parts = [`model ${meta.provider}/${meta.model}`];
  if (meta.simulated) parts.push('SIMULATED (no provider key configured)');
  const thread = meta.continuation_id ? `continuation_id: ${meta.continuation_id} · ` : '';
  return `\n\n---\n${thread}${parts.join(' · ')}`;
}

/**
 * The files a thread already carries: each stored user turn lists its files as `<sha256>:<path>`,
 * and its content holds their text, so the history brings them along.
 */
async function filesInThread(context: RunContext, continuationId: string | undefined): Promise<Set<string>> {
  if (!continuationId) return new Set();
  try {
    const turns = await context.store.listTurns(
      context.scope,
      continuationId,
      context.signal ? { signal: context.signal } : {},
    );
    return new Set(turns.flatMap((turn) => turn.files).map((entry) => entry.split(':', 1)[0]!));
  } catch {
    return new Set();
  }
}

/** Reads the files into prompt text; paths outside the roots or missing are a failure, others are noted. */
export async function readFiles(
  context: RunContext,
  paths: string[] | undefined,
  alreadySent: ReadonlySet<string> = new Set(),
): Promise<
  { ok: true; text: string; included: string[]; stored: string[]; notes: string[] } | { ok: false; result: ToolResult }
> {
  if (!paths || paths.length === 0) return { ok: true, text: '', included: [], stored: [], notes: [] };
  if (context.allowedRoots.length === 0) {
    return {
      ok: false,
      result: failure(
        'reading local files is disabled on this server',
        'send the content in the prompt instead; the operator can allow folders with EXAI_ALLOWED_ROOTS',
        { error: 'files_disabled' },
      ),
    };
  }
  const files = await buildFileContext(paths, {
    allowedRoots: context.allowedRoots,
    budgetTokens: context.fileBudgetTokens,
    alreadySent,
    ...(context.signal ? { signal: context.signal } : {}),
  });
  const refused = files.skipped.filter(
    (file) => file.reason === 'outside_roots' || file.reason === 'not_found' || file.reason === 'not_a_file',
  );
  if (refused.length > 0) {
    const list = refused.map((file) => `'${file.path}' (${file.reason.replace('_', ' ')})`).join(', ');
    return {
      ok: false,
      result: failure(
        `cannot read ${list}`,
        'pass existing files under the folders this server allows (EXAI_ALLOWED_ROOTS; relative paths start at ' +
          'the first)',
        { error: 'bad_files', files: refused.map((file) => file.path) },
      ),
    };
  }
  const notes = files.skipped.map((file) =>
    file.reason === 'already_sent'
      ? `${file.path} is already in this thread`
      : `skipped ${file.path}: ${file.reason.replace('_', ' ')}`,
  );
  return {
    ok: true,
    text: files.text,
    included: files.included.map((file) => file.path),
    stored: files.included.map((file) => `${file.sha256}:${file.path}`),
    notes,
  };
}

/** One model call for a tool: role/model, files, thread, streamed with progress; never throws. */
export async function ask(context: RunContext, input: AskInput): Promise<ToolResult> {
  try {
    const resolved = resolveModel(context, input);
    if (!resolved.ok) return resolved.result;
    const files = await readFiles(context, input.files, await filesInThread(context, input.continuation_id));
    if (!files.ok) return files.result;
    const system = [input.instructions, resolved.role?.systemPrompt].filter(Boolean).join('\n\n');
    const messages: ChatMessage[] = [];
    if (system) messages.push({ role: 'system', content: system });
    messages.push(...(input.preamble ?? []));
    // The files go in the user turn itself, so the stored thread carries them to later turns
    // (and a file already in the thread is not sent again).
    messages.push({
      role: 'user',
      content: files.text ? `Files attached:\n${files.text}\n\n${input.prompt}` : input.prompt,
    });
    const request: ChatRequest = {
      model: resolved.model,
      messages,
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.thinking !== undefined ? { thinking: { type: input.thinking ? 'enabled' : 'disabled' } } : {}),
      ...(input.continuation_id ? { continuation_id: input.continuation_id } : {}),
    };
    context.progress?.({ progress: 0, message: `asking ${resolved.model}` });
    const stream = context.engine.stream(request, {
      remember: true,
      scope: context.scope,
      tool: input.tool,
      ...(files.stored.length > 0 ? { files: files.stored } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      ...callerOptions(context),
      route: `tool:${input.tool}`,
    });
    let answer = '';
    let chunks = 0;
    let lastProgress = 0;
    for await (const chunk of stream) {
      answer += chunk.choices[0]?.delta.content ?? '';
      chunks += 1;
      const now = Date.now();
      if (now - lastProgress >= 250 || chunks === 1) {
        lastProgress = now;
        context.progress?.({ progress: chunks, message: `${stream.meta.provider}/${stream.meta.model}: receiving` });
      }
    }
    const meta = metaOf(stream.meta);
    const notes = files.notes.length > 0 ? `\n\n(${files.notes.join('; ')})` : '';
    return {
      content: `${answer}${notes}${footer(meta)}`,
      structured: {
        answer,
        continuation_id: meta.continuation_id,
        provider: meta.provider,
        model: meta.model,
        simulated: meta.simulated,
        ...(files.included.length > 0 ? { files: files.included } : {}),
      },
      meta,
    };
  } catch (error) {
    return fromError(error, context.hints);
  }
}
