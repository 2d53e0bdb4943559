import { NotFoundError } from '@exai/core';
import { type ConsensusParticipant, consensusAnswerOf, runConsensus } from '@exai/engine';
import { z } from 'zod';
import { callerOptions, resolveModel } from '../ask.js';
import { failure } from '../errors.js';
import { consensusOutput } from '../outputs.js';
import { defineTool, fields, MODEL_CALL, type RunContext } from '../spec.js';
import type { ToolResult } from '../types.js';

const stance = z.enum(['for', 'against', 'neutral']);

const input = z.strictObject({
  prompt: fields.prompt,
  models: z
    .array(z.strictObject({ model: fields.model, role: fields.role, stance: stance.optional() }))
    .min(1)
    .max(8)
    .optional()
    .describe('Participants: model or role, with a stance'),
  roles: z.array(z.string().min(1)).min(1).max(8).optional().describe('Shortcut: role names (each with its stance)'),
  deadline_s: z.number().int().min(5).max(900).default(120).describe('Seconds before slow participants are dropped'),
  synthesize: z
    .union([z.boolean(), z.string().min(1)])
    .default(true)
    .describe('Merge the answers (true, or the model to use)'),
  continuation_id: fields.continuation_id,
});

type Input = z.infer<typeof input>;

const DEFAULT_ROLES = ['architect', 'analyzer', 'validator'];

function participantsOf(
  args: Input,
  context: RunContext,
): { ok: true; list: ConsensusParticipant[] } | { ok: false; result: ToolResult } {
  const asked =
    args.models ?? (args.roles ?? DEFAULT_ROLES).map((role) => ({ role, model: undefined, stance: undefined }));
  const list: ConsensusParticipant[] = [];
  for (const entry of asked) {
    if (!entry.model && !entry.role)
      return {
        ok: false,
        result: failure('a participant has neither model nor role', 'give each entry of models a model or a role'),
      };
    const resolved = resolveModel(context, entry);
    if (!resolved.ok) return resolved;
    const chosen = entry.stance ?? resolved.role?.stance ?? 'neutral';
    list.push({
      model: resolved.model,
      stance: chosen,
      ...(resolved.role?.systemPrompt ? { systemPrompt: resolved.role.systemPrompt } : {}),
      ...(entry.role ? { label: `${entry.role} (${resolved.model}, ${chosen})` } : {}),
    });
  }
  return { ok: true, list };
}

export const consensusTool = defineTool({
  name: 'consensus',
  title: 'Consensus across models',
  description:
    'Ask several models or roles at once, each with a stance (for/against/neutral), blinded; then synthesise. ' +
    'Partial results if some fail.',
  profile: 'lean',
  annotations: MODEL_CALL,
  output: consensusOutput,
  input,
  async run(args, context) {
    const participants = participantsOf(args, context);
    if (!participants.ok) return participants.result;
    const thread = args.continuation_id;
    if (
      thread &&
      !(await context.store.getThread(context.scope, thread, context.signal ? { signal: context.signal } : {}))
    ) {
      throw new NotFoundError({
        message: `Conversation '${thread}' does not exist or has expired`,
        param: 'continuation_id',
      });
    }
    const total = participants.list.length + (args.synthesize ? 1 : 0);
    let done = 0;
    const attempts = { count: 0 };
    context.progress?.({ progress: 0, total, message: `asking ${participants.list.length} models` });
    const askOne = async (
      participant: ConsensusParticipant,
      messages: Parameters<Parameters<typeof runConsensus>[0]['ask']>[1],
      signal: AbortSignal,
    ) => {
      try {
        // Each participant reads the thread's history (packed for its own model); the exchange is stored once, below.
        const result = await context.engine.chat(
          { model: participant.model, messages, ...(thread ? { continuation_id: thread } : {}) },
          {
            signal,
            tool: 'consensus',
            route: 'tool:consensus',
            scope: context.scope,
            historyOnly: true,
            ...callerOptions(context),
          },
        );
        attempts.count += result.exai.attempts.length;
        return consensusAnswerOf(result);
      } finally {
        done += 1;
        context.progress?.({ progress: done, total, message: `${participant.label ?? participant.model} finished` });
      }
    };
    const synthesizer =
      typeof args.synthesize === 'string' ? resolveModel(context, { model: args.synthesize }) : undefined;
    const synthesisModel = synthesizer?.ok ? synthesizer.model : participants.list[0]!.model;
    const result = await runConsensus({
      prompt: args.prompt,
      participants: participants.list,
      ask: askOne,
      deadlineMs: args.deadline_s * 1000,
      ...(args.synthesize ? { synthesize: { model: synthesisModel } } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    const answered = result.responses.filter((response) => response.ok);
    if (answered.length === 0) {
      const reasons = result.responses
        .map((response) => `${response.label}: ${response.ok ? 'ok' : response.error.message}`)
        .join('; ');
      return failure(
        `no participant answered (${reasons})`,
        'retry later, raise deadline_s, or choose other models (listmodels)',
        { error: 'no_answers' },
      );
    }
    const sections = result.responses.map((response) =>
      response.ok
        ? `## ${response.label} — ${response.provider}/${response.model}\n${response.content}`
        : `## ${response.label} — failed (${response.error.code})\n${response.error.message}`,
    );
    const synthesis = result.synthesis && 'content' in result.synthesis ? result.synthesis : undefined;
    if (synthesis) sections.push(`## Synthesis — ${synthesis.provider}/${synthesis.model}\n${synthesis.content}`);
    else if (result.synthesis && 'error' in result.synthesis)
      sections.push(`## Synthesis failed\n${result.synthesis.error.message}`);
    const text = sections.join('\n\n');
    const lead = synthesis ?? answered[0]!;
    const continuationId = await context.engine.remember(context.scope, {
      ...(thread ? { threadId: thread } : {}),
      question: args.prompt,
      answer: text,
      tool: 'consensus',
      provider: lead.provider,
      model: lead.model,
    });
    const meta = {
      provider: lead.provider,
      model: lead.model,
      continuation_id: continuationId,
      simulated: context.engine.simulated,
      attempts: attempts.count,
    };
    const simulated = meta.simulated ? ' · SIMULATED (no provider key configured)' : '';
    return {
      content:
        `${text}\n\n---\ncontinuation_id: ` +
        `${continuationId}${result.partial ? ' · partial (some participants failed)' : ''}${simulated}`,
      structured: {
        responses: result.responses,
        ...(result.synthesis ? { synthesis: result.synthesis } : {}),
        partial: result.partial,
        continuation_id: continuationId,
        simulated: meta.simulated,
      },
      meta,
    };
  },
});
