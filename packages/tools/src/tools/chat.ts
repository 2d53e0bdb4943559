import { z } from 'zod';
import { ask } from '../ask.js';
import { answerOutput } from '../outputs.js';
import { defineTool, fields, MODEL_CALL } from '../spec.js';

export const chatTool = defineTool({
  name: 'chat',
  title: 'Chat with a model',
  description:
    'Ask one model (GLM, Kimi, MiniMax, GPT) or a named role. Returns a continuation_id to continue the thread ' +
    'with any tool.',
  profile: 'lean',
  annotations: MODEL_CALL,
  output: answerOutput,
  input: z.strictObject({
    prompt: fields.prompt,
    model: fields.model,
    role: fields.role,
    files: fields.files,
    continuation_id: fields.continuation_id,
    temperature: fields.temperature,
    thinking: fields.thinking,
  }),
  run: (args, context) => ask(context, { tool: 'chat', ...args }),
});
