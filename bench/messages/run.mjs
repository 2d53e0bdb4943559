// What the Anthropic Messages mapping costs per request (docs/decisions/0020-anthropic-messages-over-the-chat-path.md).
// A Claude-Code-sized body (system blocks, 25 tools, 30 turns with tool use) through the /v1/messages route's
// work (validate + map the request, map the answer, map a 200-chunk stream), against the chat route's own
// validation of the equivalent chat body, measured in the same run. Build first: pnpm build.
// Usage: node bench/messages/run.mjs [iterations]
import {
  AnthropicStreamMapper,
  messagesBodySchema,
  parseChatBody,
  toAnthropicMessage,
  toChatRequest,
  validateBody,
} from '../../apps/http-server/dist/index.js';

const iterations = Number(process.argv[2] ?? 2_000);
const schema = {
  type: 'object',
  properties: { path: { type: 'string', description: 'x'.repeat(200) }, limit: { type: 'number' } },
  required: ['path'],
};
const tools = Array.from({ length: 25 }, (_, index) => ({
  name: `Tool${index}`,
  description: 'A tool. '.repeat(60),
  input_schema: schema,
}));
const messages = [
  {
    role: 'user',
    content: [{ type: 'text', text: 'Fix the bug in src/a.ts '.repeat(20), cache_control: { type: 'ephemeral' } }],
  },
];
for (let turn = 0; turn < 14; turn += 1) {
  messages.push({
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'Let me look. '.repeat(30), signature: 'sig'.repeat(40) },
      { type: 'text', text: 'Reading the file.' },
      { type: 'tool_use', id: `toolu_${turn}`, name: 'Tool1', input: { path: `src/file${turn}.ts` } },
    ],
  });
  messages.push({
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: `toolu_${turn}`, content: 'line of code\n'.repeat(80) }],
  });
}
const body = {
  model: 'claude-sonnet-4-5',
  max_tokens: 32_000,
  system: [{ type: 'text', text: 'You are Claude Code. '.repeat(400), cache_control: { type: 'ephemeral' } }],
  messages,
  tools,
  stream: true,
  thinking: { type: 'enabled', budget_tokens: 8_000 },
  metadata: { user_id: 'user_abc' },
};
const chatBody = { ...toChatRequest(validateBody(messagesBodySchema, body), { model: 'glm' }) };
const bodyBytes = JSON.stringify(body).length;

const message = {
  role: 'assistant',
  content: 'Done. '.repeat(200),
  reasoning_content: 'Thought. '.repeat(100),
  tool_calls: [{ id: 'c1', type: 'function', function: { name: 'Tool1', arguments: '{"path":"a"}' } }],
};
const envelope = { id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: 'glm-4.6', provider: 'glm' };
const answer = {
  ...envelope,
  choices: [{ index: 0, message, finish_reason: 'tool_calls' }],
  usage: { prompt_tokens: 30_000, completion_tokens: 800, total_tokens: 30_800, cached_tokens: 20_000 },
};
const chunks = Array.from({ length: 200 }, (_, index) => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'glm-4.6',
  provider: 'glm',
  choices: [
    {
      index: 0,
      delta: index < 50 ? { reasoning_content: 'thinking ' } : { content: 'word ' },
      finish_reason: index === 199 ? 'stop' : null,
    },
  ],
}));

function measure(name, work) {
  for (let index = 0; index < Math.min(200, iterations); index += 1) work();
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index += 1) work();
  const microseconds = Number(process.hrtime.bigint() - started) / 1_000 / iterations;
  return { name, microseconds };
}

const baseline = measure('chat route: parseChatBody (baseline)', () => parseChatBody(chatBody));
const rows = [
  baseline,
  measure('messages: validate + toChatRequest', () =>
    toChatRequest(validateBody(messagesBodySchema, body), { model: 'glm' }),
  ),
  measure('messages: toAnthropicMessage (answer)', () => toAnthropicMessage(answer, 'req-1')),
  measure('messages: 200-chunk stream → events', () => {
    const mapper = new AnthropicStreamMapper();
    mapper.start('msg_1', 'glm-4.6');
    for (const chunk of chunks) mapper.push(chunk);
    mapper.end(answer.usage);
  }),
];
console.log(
  `body ${(bodyBytes / 1024).toFixed(0)} KiB, ${messages.length} messages, ${tools.length} tools; ${iterations} iterations; node ${process.version}`,
);
for (const row of rows)
  console.log(
    `${row.name.padEnd(44)} ${row.microseconds.toFixed(1).padStart(8)} µs  ${(row.microseconds / baseline.microseconds).toFixed(2)}x baseline`,
  );
