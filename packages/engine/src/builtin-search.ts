import type { ChatMessage } from '@exai/core';

/**
 * Kimi's `$web_search` built-in: the model asks for the search, the provider runs it, and the client sends
 * the call's arguments back unchanged as the tool result. The tool messages that do so (none when the
 * model did not search), for every caller that offers the built-in (the web_search tool, the Responses route).
 */
export function builtinSearchResults(message: ChatMessage | undefined): ChatMessage[] {
  return (message?.tool_calls ?? [])
    .filter((call) => call.function.name === '$web_search')
    .map((call) => ({ role: 'tool', tool_call_id: call.id, name: '$web_search', content: call.function.arguments }));
}
