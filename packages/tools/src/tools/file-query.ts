import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type ChatMessage,
  type FilesApi,
  type ProviderAdapter,
  resolveAllowedPath,
  resolveAllowedRoots,
} from '@exai/core';
import { z } from 'zod';
import { ask } from '../ask.js';
import { failure } from '../errors.js';
import { answerOutput } from '../outputs.js';
import { defineTool, fields, MODEL_CALL, type RunContext } from '../spec.js';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

const input = z.strictObject({
  files: z
    .array(z.string().min(1))
    .min(1)
    .max(20)
    .describe('Local file paths (any type the provider extracts: pdf, docx, code...)'),
  prompt: fields.prompt,
  provider: z.enum(['kimi', 'glm']).default('kimi'),
  model: fields.model,
  continuation_id: fields.continuation_id,
});

export interface Upload {
  path: string;
  file_id: string;
  reused: boolean;
}

/** Uploads each file once per provider (sha256 dedupe through the store), returning the provider file ids. */
async function uploadAll(
  context: RunContext,
  adapter: ProviderAdapter & { files: FilesApi },
  paths: string[],
): Promise<Upload[] | string> {
  const uploads: Upload[] = [];
  const signal = context.signal ? { signal: context.signal } : {};
  if (context.allowedRoots.length === 0)
    return 'reading local files is disabled on this server (the operator can allow folders with EXAI_ALLOWED_ROOTS)';
  const roots = await resolveAllowedRoots(context.allowedRoots);
  for (const given of paths) {
    const allowed = await resolveAllowedPath(given, roots);
    if (!allowed.ok) return `'${given}' is missing or outside the allowed roots`;
    const real = allowed.real;
    const info = await stat(real);
    if (!info.isFile()) return `'${given}' is not a file`;
    if (info.size > MAX_UPLOAD_BYTES) return `'${given}' is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`;
    const data = await readFile(real, signal);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const known = await context.store.findProviderUpload(context.scope, adapter.id, sha256, signal);
    if (known) {
      uploads.push({ path: given, file_id: known.providerFileId, reused: true });
      continue;
    }
    const uploaded = await adapter.files.upload({ filename: path.basename(real), data }, signal);
    await context.store.recordProviderUpload(
      context.scope,
      {
        provider: adapter.id,
        providerFileId: uploaded.id,
        sha256,
        filename: path.basename(real),
        purpose: uploaded.purpose,
      },
      signal,
    );
    uploads.push({ path: given, file_id: uploaded.id, reused: false });
  }
  return uploads;
}

/** Kimi returns extracted text as JSON `{content, ...}`; others return the text itself. */
function extracted(raw: string): string {
  try {
    const parsed = JSON.parse(raw) as { content?: unknown };
    if (typeof parsed.content === 'string') return parsed.content;
  } catch {
    // plain text
  }
  return raw;
}

export const fileQueryTool = defineTool({
  name: 'file_query',
  title: 'Ask about uploaded files',
  description:
    "Upload local files (under the allowed roots) to Kimi or GLM's files API, deduplicated by sha256, and ask " +
    'about them.',
  profile: 'standard',
  annotations: MODEL_CALL,
  output: answerOutput,
  input,
  async run(args, context) {
    const adapter = context.engine.adapters().find((candidate) => candidate.kind === args.provider);
    if (!adapter?.files)
      return failure(
        `provider ${args.provider} is not configured or has no files API`,
        `pass provider '${args.provider === 'kimi' ? 'glm' : 'kimi'}', or use chat with files (text only)`,
      );
    context.progress?.({ progress: 0, message: `uploading ${args.files.length} file(s) to ${adapter.id}` });
    const uploads = await uploadAll(context, adapter as ProviderAdapter & { files: FilesApi }, args.files);
    if (typeof uploads === 'string') return failure(uploads, 'pass existing files under the allowed roots');
    const signal = context.signal ? { signal: context.signal } : {};
    const preamble: ChatMessage[] = [];
    for (const upload of uploads) {
      const text = extracted(await adapter.files.content(upload.file_id, signal));
      preamble.push({ role: 'system', content: `File ${upload.path} (id ${upload.file_id}):\n${text}` });
    }
    const result = await ask(context, {
      tool: 'file_query',
      prompt: args.prompt,
      model: args.model ?? `${adapter.id}/${args.provider}`,
      continuation_id: args.continuation_id,
      preamble,
      instructions:
        'Answer from the files given; quote the passages you rely on and say when the files do not contain the ' +
        'answer.',
    });
    if (result.isError) return result;
    return { ...result, structured: { ...result.structured, uploads } };
  },
});
