import { z } from 'zod';
import { ask } from '../ask.js';
import { answerOutput } from '../outputs.js';
import { defineTool, fields, MODEL_CALL, type ToolSpec } from '../spec.js';

interface ReviewKind {
  name: string;
  title: string;
  description: string;
  defaultRole: string;
  instructions: string;
  thinking?: boolean;
}

/** Tools that differ only in their instructions and default role; each takes the same fields. */
const KINDS: ReviewKind[] = [
  {
    name: 'thinkdeep',
    title: 'Think deeply',
    description: 'Extended reasoning on a hard problem: alternatives, edge cases, a recommendation.',
    defaultRole: 'architect',
    thinking: true,
    instructions:
      'Think the problem through before answering. Consider at least two approaches, their failure modes and edge ' +
      'cases, then recommend one and say why.',
  },
  {
    name: 'codereview',
    title: 'Review code',
    description: 'Review code (pass files) for bugs, security and maintainability, by severity with fixes.',
    defaultRole: 'reviewer',
    instructions:
      'Review the code given. List issues from most to least severe (critical, high, medium, low), each with its ' +
      'location and a concrete fix. Say so when you find nothing serious.',
  },
  {
    name: 'debug',
    title: 'Debug a problem',
    description: 'Find the root cause of a bug from symptoms, logs and files; ranked hypotheses and checks.',
    defaultRole: 'analyzer',
    instructions:
      'Find the root cause. Give ranked hypotheses, the evidence for each, the cheapest check that confirms or ' +
      'rules it out, and the fix for the most likely one.',
  },
  {
    name: 'analyze',
    title: 'Analyze code or documents',
    description: 'Explain structure, dependencies, risks and improvement points of code or documents.',
    defaultRole: 'analyzer',
    instructions:
      'Analyse the material: what it does, how it is structured, its dependencies, its risks, and the most ' +
      'valuable improvements, citing files and lines.',
  },
  {
    name: 'planner',
    title: 'Plan a task',
    description: 'Break a task into ordered, verifiable steps with risks and open questions.',
    defaultRole: 'architect',
    instructions:
      'Produce a plan: numbered steps small enough to verify, each with its done-criterion; then the risks and ' +
      'the open questions to settle first.',
  },
  {
    name: 'challenge',
    title: 'Challenge a claim',
    description: 'Critically test a claim or decision instead of agreeing by reflex.',
    defaultRole: 'validator',
    instructions:
      'Do not agree by default. Test the claim: what evidence supports it, what contradicts it, what was assumed. ' +
      'Conclude whether it holds, partly holds or fails.',
  },
];

const input = z.strictObject({
  prompt: fields.prompt,
  files: fields.files,
  model: fields.model,
  role: fields.role,
  continuation_id: fields.continuation_id,
  thinking: fields.thinking,
});

export const reviewTools: ToolSpec[] = KINDS.map((kind) =>
  defineTool({
    name: kind.name,
    title: kind.title,
    description: `${kind.description} Default role: ${kind.defaultRole}.`,
    profile: 'standard',
    annotations: MODEL_CALL,
    output: answerOutput,
    input,
    run: (args, context) =>
      ask(context, {
        tool: kind.name,
        ...args,
        defaultRole: kind.defaultRole,
        instructions: kind.instructions,
        ...(args.thinking === undefined && kind.thinking ? { thinking: true } : {}),
      }),
  }),
);
