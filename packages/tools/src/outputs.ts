import { z } from 'zod';

/**
 * The output schemas of the tools with a structured answer, one home: each tool declares one, the
 * registry validates every successful result against it (and passes on the parsed value), and the
 * MCP server lists it as the tool's `outputSchema` beside the text kept for text-only clients. No
 * descriptions: the listing is sent to every client, and the field names say enough.
 */

const usage = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  reasoning_tokens: z.number().optional(),
  cached_tokens: z.number().optional(),
});

const stance = z.enum(['for', 'against', 'neutral']);
const failed = z.object({ code: z.string(), message: z.string() });

/** One model answer (chat, the review tools, file_query): the text, who answered, the thread. */
export const answerOutput = z.object({
  answer: z.string(),
  continuation_id: z.string().optional(),
  provider: z.string(),
  model: z.string(),
  simulated: z.boolean(),
  files: z.array(z.string()).optional(),
  uploads: z
    .array(z.object({ path: z.string(), file_id: z.string(), provider: z.string().optional() }).loose())
    .optional(),
});

export const consensusOutput = z.object({
  responses: z.array(
    z.object({
      label: z.string(),
      model: z.string(),
      stance,
      ok: z.boolean(),
      content: z.string().optional(),
      provider: z.string().optional(),
      latencyMs: z.number(),
      usage: usage.optional(),
      error: failed.optional(),
    }),
  ),
  synthesis: z
    .object({
      model: z.string().optional(),
      provider: z.string().optional(),
      content: z.string().optional(),
      usage: usage.optional(),
      error: failed.optional(),
    })
    .optional(),
  partial: z.boolean(),
  continuation_id: z.string(),
  simulated: z.boolean(),
});

export const listModelsOutput = z.object({
  models: z.array(
    z.object({
      id: z.string(),
      provider: z.string(),
      aliases: z.array(z.string()),
      contextWindow: z.number(),
      capabilities: z.record(z.string(), z.boolean()),
    }),
  ),
  roles: z.record(z.string(), z.object({ model: z.string(), systemPrompt: z.string(), stance: stance.optional() })),
});

export const statusOutput = z.object({
  simulated: z.boolean(),
  providers: z.array(
    z
      .object({
        id: z.string(),
        kind: z.string(),
        breaker: z.string(),
        inFlight: z.number(),
        queued: z.number(),
      })
      .loose(),
  ),
  breakers: z.array(z.object({ key: z.string(), state: z.string() })),
  sessions: z.object({ inFlight: z.number(), queued: z.number(), latencyMs: z.record(z.string(), z.number()) }).loose(),
  store: z.object({ kind: z.string(), shared: z.string() }),
  credentials: z.array(z.record(z.string(), z.unknown())).optional(),
  credentialFailures: z.record(z.string(), z.number()).optional(),
  profile: z.string(),
  tools: z.array(z.string()),
});

const thread = z.object({
  id: z.string(),
  owner: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  expiresAt: z.number(),
  title: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});

export const threadsOutput = z.object({
  threads: z.array(thread).optional(),
  thread: thread.optional(),
  turns: z
    .array(
      z
        .object({
          seq: z.number(),
          role: z.string(),
          content: z.string(),
          tool: z.string().nullable(),
          model: z.string().nullable(),
        })
        .loose(),
    )
    .optional(),
  continuation_id: z.string().optional(),
  deleted: z.boolean().optional(),
});

const citation = z.object({
  url: z.string(),
  title: z.string().optional(),
  snippet: z.string().optional(),
  source: z.string().optional(),
  published: z.string().optional(),
});

export const webSearchOutput = z.object({
  results: z.array(citation).optional(),
  answer: z.string().optional(),
  continuation_id: z.string(),
});

export const filesOutput = z.object({
  uploads: z
    .array(
      z
        .object({
          provider: z.string(),
          providerFileId: z.string(),
          filename: z.string(),
          sha256: z.string(),
          createdAt: z.number(),
        })
        .loose(),
    )
    .optional(),
  provider: z.string().optional(),
  file_id: z.string().optional(),
  deleted: z.boolean().optional(),
});

export const versionOutput = z.object({
  server: z.string(),
  version: z.string(),
  tools: z.string(),
  node: z.string(),
  profile: z.string(),
  simulated: z.boolean(),
});
