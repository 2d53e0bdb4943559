import { z } from 'zod';
import { failure } from '../errors.js';
import { filesOutput } from '../outputs.js';
import { defineTool } from '../spec.js';

const input = z.strictObject({
  action: z.enum(['list', 'delete']).default('list'),
  provider: z.string().min(1).optional().describe('Filter (list) or owner (delete)'),
  file_id: z.string().min(1).optional().describe('Provider file id to delete'),
});

export const filesTool = defineTool({
  name: 'files',
  title: 'Provider uploads',
  description: 'List files uploaded to providers by file_query, or delete one (at the provider and in the store).',
  profile: 'full',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  output: filesOutput,
  input,
  async run(args, context) {
    const signal = context.signal ? { signal: context.signal } : {};
    const store = context.store;
    if (args.action === 'list') {
      const uploads = await store.listProviderUploads(context.scope, {
        limit: 200,
        ...(args.provider ? { provider: args.provider } : {}),
        ...signal,
      });
      const lines = uploads.map(
        (upload) =>
          `${upload.provider} ${upload.providerFileId}${context.scope.admin ? ` owner:${upload.owner}` : ''} ` +
          `${upload.filename} sha256:${upload.sha256.slice(0, 12)} ${new Date(upload.createdAt).toISOString()}`,
      );
      return { content: lines.length > 0 ? lines.join('\n') : 'No uploads.', structured: { uploads } };
    }
    if (!args.file_id) return failure('delete needs file_id', "call files with action 'list' to see the ids");
    const uploads = await store.listProviderUploads(context.scope, {
      limit: 1000,
      ...(args.provider ? { provider: args.provider } : {}),
      ...signal,
    });
    const record = uploads.find((upload) => upload.providerFileId === args.file_id);
    // Only an upload recorded for this caller is deleted at the provider (an admin may name any
    // provider file); another tenant's id answers as an unknown one.
    const provider = record?.provider ?? (context.scope.admin ? args.provider : undefined);
    if (!provider) return failure(`no upload with id '${args.file_id}'`, "call files with action 'list'");
    const adapter = context.engine.adapters().find((candidate) => candidate.id === provider);
    if (!adapter?.files)
      return failure(
        `provider ${provider} is not configured or has no files API`,
        'configure it, or pass the right provider',
      );
    const deleted = await adapter.files.delete(args.file_id, signal);
    await store.deleteProviderUpload(context.scope, provider, args.file_id, signal);
    return {
      content: `deleted ${provider} ${args.file_id}`,
      structured: { provider, file_id: args.file_id, deleted: deleted.deleted },
    };
  },
});
