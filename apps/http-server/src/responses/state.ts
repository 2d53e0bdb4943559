import type { ChatMessage } from '@exai/core';
import type { OwnerScope } from '@exai/engine';
import type { JsonObject, JsonValue, Store } from '@exai/store';
import type { InputItem } from './schema.js';
import type { ResponseObject, ResponseStatus } from './types.js';

/** One stored response: the response object, the conversation it ends (for `previous_response_id`), its input items. */
export interface StoredResponse {
  response: ResponseObject;
  /** Every message up to and including this response's answer, without the instructions. */
  conversation: ChatMessage[];
  inputItems: Array<InputItem & { id: string }>;
  /** The response's status as stored (`completed` unless it runs in the background). */
  status?: ResponseStatus;
}

/** A background response's next state, written only while its status is one of `from` (compare-and-set). */
export interface ResponseTransition {
  from: readonly ResponseStatus[];
  response: ResponseObject;
  conversation?: ChatMessage[];
}

/** Where responses are kept; every call is scoped to the caller's tenant (another tenant's id is unknown). */
export interface ResponseState {
  get(scope: OwnerScope, id: string, signal?: AbortSignal): Promise<StoredResponse | undefined>;
  put(scope: OwnerScope, stored: StoredResponse, signal?: AbortSignal): Promise<void>;
  delete(scope: OwnerScope, id: string, signal?: AbortSignal): Promise<boolean>;
  /** Moves a stored response to `transition.response.status`; false when its status was not in `from`. */
  transition(scope: OwnerScope, id: string, transition: ResponseTransition, signal?: AbortSignal): Promise<boolean>;
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
        status: record.status as ResponseStatus,
      };
    },
    async put(scope, stored, signal) {
      const record = {
        id: stored.response.id,
        response: stored.response as unknown as JsonObject,
        conversation: stored.conversation as unknown as JsonValue[],
        inputItems: stored.inputItems as unknown as JsonValue[],
        status: stored.status ?? stored.response.status,
      };
      await store.putResponse(scope, record, signal ? { signal } : {});
    },
    delete(scope, id, signal) {
      return store.deleteResponse(scope, id, signal ? { signal } : {});
    },
    transition(scope, id, transition, signal) {
      return store.transitionResponse(
        scope,
        id,
        {
          from: transition.from,
          status: transition.response.status,
          response: transition.response as unknown as JsonObject,
          ...(transition.conversation ? { conversation: transition.conversation as unknown as JsonValue[] } : {}),
        },
        signal ? { signal } : {},
      );
    },
  };
}
