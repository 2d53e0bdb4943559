import { randomUUID } from 'node:crypto';
import type { SharedBreakerRecord, SharedBreakerState } from '@exai/core';
import type { Redis } from 'ioredis';
import { keyPrefix, type RedisOptions, type RedisSource, redisCall, redisHandle } from './redis-connection.js';

export interface RedisSharedBreakerState extends SharedBreakerState {
  /** Resolves once the subscriber connection listens (after the first `subscribe`). */
  whenSubscribed(): Promise<void>;
  close(): Promise<void>;
}

interface Message {
  origin: string;
  key: string;
  record: SharedBreakerRecord;
}

/** Breaker records kept this long after their last update. */
const recordTtlMs = 24 * 3600_000;

/**
 * Breaker state shared through Redis: `publish` SETs the record and PUBLISHes it on one channel in
 * a MULTI; `get` reads the record; `subscribe` listens on a separate connection and hears every
 * instance but this one.
 */
export function createRedisSharedBreakerState(source: RedisSource, options: RedisOptions = {}): RedisSharedBreakerState {
  const handle = redisHandle(source, options);
  const prefix = keyPrefix(options);
  const channel = `${prefix}breaker-updates`;
  const recordKey = (key: string) => `${prefix}breaker:${key}`;
  const origin = randomUUID();
  const listeners = new Set<(key: string, record: SharedBreakerRecord) => void>();
  let subscribed: Promise<Redis> | undefined;

  function onMessage(from: string, text: string): void {
    if (from !== channel) return;
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (message.origin === origin) return;
    for (const listener of listeners) {
      try {
        listener(message.key, message.record);
      } catch (error) {
        options.logger?.warn({ err: error }, 'store: breaker listener threw');
      }
    }
  }

  function ensureSubscribed(): Promise<Redis> {
    subscribed ??= (async () => {
      const subscriber = await handle.subscriber();
      subscriber.on('message', onMessage);
      await redisCall(() => subscriber.subscribe(channel));
      return subscriber;
    })();
    return subscribed;
  }

  return {
    async publish(key, record) {
      const client = await handle.client();
      const message: Message = { origin, key, record };
      await redisCall(() => client.multi().set(recordKey(key), JSON.stringify(record), 'PX', recordTtlMs).publish(channel, JSON.stringify(message)).exec());
    },
    async get(key) {
      const client = await handle.client();
      const text = await redisCall(() => client.get(recordKey(key)));
      return text ? (JSON.parse(text) as SharedBreakerRecord) : undefined;
    },
    subscribe(listener) {
      listeners.add(listener);
      ensureSubscribed().catch((error: unknown) => {
        subscribed = undefined;
        options.logger?.warn({ err: error }, 'store: cannot subscribe to breaker updates');
      });
      return () => {
        listeners.delete(listener);
      };
    },
    async whenSubscribed() {
      await ensureSubscribed();
    },
    async close() {
      listeners.clear();
      subscribed = undefined;
      await handle.close();
    },
  };
}
