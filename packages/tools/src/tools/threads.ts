import { z } from 'zod';
import { failure } from '../errors.js';
import { threadsOutput } from '../outputs.js';
import { defineTool } from '../spec.js';

const input = z.strictObject({
  action: z.enum(['list', 'show', 'delete']).default('list'),
  continuation_id: z.string().min(1).optional().describe('Thread for show/delete'),
  limit: z.number().int().min(1).max(100).default(20),
});

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

export const threadsTool = defineTool({
  name: 'threads',
  title: 'Conversation threads',
  description: 'List, show or delete stored threads (continuation ids persist across restarts).',
  profile: 'lean',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  output: threadsOutput,
  input,
  async run(args, context) {
    const store = context.store;
    const signal = context.signal ? { signal: context.signal } : {};
    if (args.action === 'list') {
      const threads = await store.listThreads(context.scope, { limit: args.limit, ...signal });
      // An admin scope lists every tenant's threads, so each line says whose it is.
      const owner = (thread: { owner: string }) => (context.scope.admin ? ` owner:${thread.owner}` : '');
      const lines = threads.map(
        (thread) =>
          `${thread.id}${owner(thread)} ${new Date(thread.updatedAt).toISOString()} ${thread.model ?? ''} ` +
          `${clip(thread.title ?? '', 60)}`,
      );
      return { content: lines.length > 0 ? lines.join('\n') : 'No threads.', structured: { threads } };
    }
    if (!args.continuation_id)
      return failure(`${args.action} needs continuation_id`, "call threads with action 'list' to see the ids");
    if (args.action === 'delete') {
      const deleted = await store.deleteThread(context.scope, args.continuation_id, signal);
      if (!deleted) return failure(`no thread '${args.continuation_id}'`, "call threads with action 'list'");
      return {
        content: `deleted thread ${args.continuation_id}`,
        structured: { continuation_id: args.continuation_id, deleted },
      };
    }
    const thread = await store.getThread(context.scope, args.continuation_id, signal);
    if (!thread)
      return failure(`no thread '${args.continuation_id}' (missing or expired)`, "call threads with action 'list'");
    const turns = await store.listTurns(context.scope, thread.id, { limit: args.limit, ...signal });
    const lines = turns.map(
      (turn) =>
        `#${turn.seq} ${turn.role}${turn.tool ? ` [${turn.tool}]` : ''}${turn.model ? ` (${turn.model})` : ''}: ` +
        `${clip(turn.content, 2_000)}`,
    );
    return {
      content:
        `thread ${thread.id}${context.scope.admin ? ` (owner ${thread.owner})` : ''}: ` +
        `${thread.title ?? ''}\n\n${lines.join('\n\n')}`,
      structured: { thread, turns },
    };
  },
});
