import type { ChatMessage } from '@exai/core';
import type { OwnerScope } from '@exai/engine';
import type { ResponseObject } from './mapping.js';
import type { InputItem } from './schema.js';

/** One stored response: the response object, the conversation it ends (for `previous_response_id`), its input items. */
export interface StoredResponse {
  response: ResponseObject;
  /** Every message up to and including this response's answer, without the instructions. */
  conversation: ChatMessage[];
  inputItems: Array<InputItem & { id: string }>;
}

/** Where responses are kept; every call is scoped to the caller's tenant (another tenant's id is unknown). */
export interface ResponseState {
  get(scope: OwnerScope, id: string, signal?: AbortSignal): Promise<StoredResponse | undefined>;
  put(scope: OwnerScope, stored: StoredResponse, signal?: AbortSignal): Promise<void>;
  delete(scope: OwnerScope, id: string, signal?: AbortSignal): Promise<boolean>;
}

/** In-process state (tests; a gateway without a store). */
export function memoryResponseState(): ResponseState {
  const entries = new Map<string, StoredResponse>();
  const key = (scope: OwnerScope, id: string) => `${scope.owner}\u0000${id}`;
  return {
    async get(scope, id) {
      return entries.get(key(scope, id));
    },
    async put(scope, stored) {
      entries.set(key(scope, stored.response.id), structuredClone(stored));
    },
    async delete(scope, id) {
      return entries.delete(key(scope, id));
    },
  };
}
