import { describe, expect, it } from 'vitest';
import { answerParts, buildResponse, outputItems, responseShell, toChatRequest } from './mapping.js';
import { responsesBodySchema } from './schema.js';

const body = (input: unknown) => responsesBodySchema.parse({ model: 'glm-4.6', ...(input as object) });
const ids = { reasoning: 'rs_1', message: 'msg_1', call: (index: number) => `fc_${index}` };

describe('responses mapping', () => {
  it('an answer cut by the token limit is incomplete with reason max_output_tokens', () => {
    const parts = answerParts({
      id: 'c',
      object: 'chat.completion',
      created: 0,
      model: 'glm-4.6',
      provider: 'glm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'partial', reasoning_content: 'why' },
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, reasoning_tokens: 2, cached_tokens: 1 },
    });
    const response = buildResponse(
      responseShell(body({ input: 'hi' }), { id: 'resp_1', createdAt: 0, store: true }),
      parts,
      outputItems(parts, ids),
    );
    expect(response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output_text: 'partial',
    });
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.usage).toEqual({
      input_tokens: 3,
      input_tokens_details: { cached_tokens: 1 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 2 },
      total_tokens: 8,
    });
  });

  it('items become chat messages: reasoning rides on the assistant turn, calls join it, outputs follow', () => {
    const { request } = toChatRequest(
      body({
        instructions: 'be brief',
        input: [
          { role: 'developer', content: 'rules' },
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'look' },
              { type: 'input_image', image_url: 'data:image/png;base64,AA==' },
            ],
          },
          { type: 'reasoning', summary: [{ type: 'summary_text', text: 'thinking' }] },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
          { type: 'function_call', call_id: 'c2', name: 'g', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'one' },
          { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
        ],
        reasoning: { effort: 'xhigh' },
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      }),
    );
    expect(request.messages.map((message) => message.role)).toEqual([
      'system',
      'system',
      'user',
      'assistant',
      'tool',
      'tool',
    ]);
    expect(request.messages[3]).toMatchObject({
      reasoning_content: 'thinking',
      tool_calls: [{ id: 'c1' }, { id: 'c2' }],
    });
    expect(request.messages[2]?.content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
    ]);
    expect(request.messages[5]).toMatchObject({ tool_call_id: 'c2', content: 'two' });
    expect(request).toMatchObject({
      thinking: { type: 'enabled' },
      reasoning_effort: 'high',
      response_format: { type: 'json_schema', json_schema: { name: 'out', strict: true } },
    });
  });
});
