import type { ChatMessage } from '@exai/core';
import type { OwnerScope } from '@exai/engine';
import type { JsonObject, JsonValue, Store } from '@exai/store';
import type { InputItem } from './schema.js';
import type { ResponseObject } from './types.js';

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

/** Responses kept in the gateway's store (SQLite or Postgres): they survive restarts and are shared by instances. */
export function storeResponseState(store: Store): ResponseState {
  return {
    async get(scope, id, signal) {
      const record = await store.getResponse(scope, id, signal ? { signal } : {});
      if (!record) return undefined;
      return {
        response: record.response as unknown as ResponseObject,
        conversation: record.conversation as unknown as ChatMessage[],
        inputItems: record.inputItems as unknown as StoredResponse['inputItems'],
      };
    },
    async put(scope, stored, signal) {
      const record = {
        id: stored.response.id,
        response: stored.response as unknown as JsonObject,
        conversation: stored.conversation as unknown as JsonValue[],
        inputItems: stored.inputItems as unknown as JsonValue[],
      };
      await store.putResponse(scope, record, signal ? { signal } : {});
    },
    delete(scope, id, signal) {
      return store.deleteResponse(scope, id, signal ? { signal } : {});
    },
  };
}
