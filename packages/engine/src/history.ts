/**
 * Conversation memory into a token budget: the newest turns are kept, the oldest dropped,
 * never a hole in the middle.
 */
import type { ChatMessage, ModelInfo, Turn } from '@exai/core';
import { estimateTokens } from './file-context.js';

export interface PackedHistory {
  /** The kept turns, oldest first, ready to put before the new prompt. */
  messages: ChatMessage[];
  /** How many of the oldest turns did not fit. */
  dropped: number;
}

/** Tokens counted for each message on top of its content (role and framing). */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** The estimated tokens one turn costs in the packed history. */
export function turnTokens(turn: Turn): number {
  return estimateTokens(messageText(turn)) + MESSAGE_OVERHEAD_TOKENS;
}

/**
 * Pack turns newest-first into `budgetTokens`, returned oldest-first. Packing stops at the first
 * turn that does not fit, so the history is always the most recent contiguous stretch. A user turn
 * and the assistant reply that follows it go in together or not at all, so the history never
 * opens with an answer whose question was cut off.
 */
export function packHistory(turns: readonly Turn[], budgetTokens: number): PackedHistory {
  let remaining = Number.isFinite(budgetTokens) ? Math.floor(budgetTokens) : 0;
  const units = groupTurns(turns);
  const kept: Turn[][] = [];
  for (let index = units.length - 1; index >= 0; index--) {
    const unit = units[index]!;
    const cost = unit.reduce((sum, turn) => sum + turnTokens(turn), 0);
    if (cost > remaining) break;
    remaining -= cost;
    kept.push(unit);
  }
  const messages = kept.reverse().flat().map(toMessage);
  return { messages, dropped: turns.length - messages.length };
}

/**
 * The tokens left for history: the context window minus the reply's room, the new prompt and a
 * safety reserve (`reserveRatio` of the window). The reply's room is `maxOutput`, capped at half
 * the window so a model whose catalog says maxOutput = contextWindow still gets history. Never negative.
 */
export function historyBudget(
  model: Pick<ModelInfo, 'contextWindow' | 'maxOutput'>,
  promptTokens: number,
  reserveRatio = 0.1,
): number {
  const window = Math.max(0, model.contextWindow || 0);
  const output = Math.min(Math.max(0, model.maxOutput || 0), Math.floor(window / 2));
  const ratio = Math.min(Math.max(Number.isFinite(reserveRatio) ? reserveRatio : 0.1, 0), 1);
  const reserve = Math.ceil(window * ratio);
  const budget = Math.floor(window - output - Math.max(0, promptTokens || 0) - reserve);
  return Math.max(0, budget);
}

/** Turns in packing units: a user turn directly followed by an assistant turn is one unit. */
function groupTurns(turns: readonly Turn[]): Turn[][] {
  const units: Turn[][] = [];
  for (let index = 0; index < turns.length; index++) {
    const turn = turns[index]!;
    const next = turns[index + 1];
    if (turn.role === 'user' && next?.role === 'assistant') {
      units.push([turn, next]);
      index++;
    } else {
      units.push([turn]);
    }
  }
  return units;
}

/**
 * A stored `tool` turn has no tool_call_id to pair with, and providers reject a bare `tool`
 * message, so it is replayed as a labelled user message.
 */
function messageText(turn: Turn): string {
  if (turn.role !== 'tool') return turn.content;
  return `[Result of tool ${turn.tool ?? 'unknown'}]\n${turn.content}`;
}

function toMessage(turn: Turn): ChatMessage {
  const role = turn.role === 'tool' ? 'user' : turn.role;
  return { role, content: messageText(turn) };
}
