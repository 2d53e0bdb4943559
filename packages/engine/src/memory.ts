import type { ChatMessage, ChatRequest, ModelInfo, Turn } from '@exai/core';
import { estimateTokens } from './file-context.js';
import { historyBudget, packHistory } from './history.js';

export function textOf(message: ChatMessage | undefined): string {
  if (!message || message.content === null) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * Puts a thread's history in front of the request's own messages: system messages first,
 * then the packed history (newest turns kept, presented oldest-first), then the new turn.
 */
export function withHistory(request: ChatRequest, turns: readonly Turn[], model: ModelInfo): ChatRequest {
  if (turns.length === 0) return request;
  const promptTokens = request.messages.reduce((sum, message) => sum + estimateTokens(textOf(message)), 0);
  const packed = packHistory(turns, historyBudget(model, promptTokens));
  const system = request.messages.filter((message) => message.role === 'system');
  const rest = request.messages.filter((message) => message.role !== 'system');
  return { ...request, messages: [...system, ...packed.messages, ...rest] };
}
