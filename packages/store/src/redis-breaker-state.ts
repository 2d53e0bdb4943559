import { randomUUID } from 'node:crypto';
import type { SharedBreakerRecord, SharedBreakerState } from '@exai/core';
import type { Redis } from 'ioredis';
import { keyPrefix, type RedisOptions, type RedisSource, redisHandle } from './redis-connection.js';
import { scripted } from './redis-scripts.js';
import { toStoreError } from './run.js';

export interface RedisSharedBreakerState extends SharedBreakerState {
  claimProbe(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
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
 * Breaker state shared through Redis: `publish` stamps the record with Redis's clock (TIME), SETs it
 * and PUBLISHes it on one channel in one script; `get` reads the record; `subscribe` listens on a
 * separate connection and hears every instance but this one; `claimProbe` is a lock with expiry
 * (SET NX PX) taken only once the open record's hold has ended on Redis's clock.
 */
export function createRedisSharedBreakerState(
  source: RedisSource,
  options: RedisOptions = {},
): RedisSharedBreakerState {
  const handle = redisHandle(source, options);
  const prefix = keyPrefix(options);
  const channel = `${prefix}breaker-updates`;
  const recordKey = (key: string) => `${prefix}breaker:${key}`;
  const probeKey = (key: string) => `${prefix}breaker-probe:${key}`;
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
      await subscriber.subscribe(channel).catch((error: unknown) => {
        throw toStoreError(error, 'Redis');
      });
      return subscriber;
    })();
    return subscribed;
  }

  return {
    async publish(key, record) {
      // The hold travels as a duration; Redis turns it into `until` on its own clock.
      const holdMs = record.until === undefined ? -1 : Math.max(0, record.until - record.updatedAt);
      await handle.call((client) =>
        scripted(client).exaiPublishBreaker(
          recordKey(key),
          JSON.stringify(record),
          holdMs,
          recordTtlMs,
          channel,
          origin,
          key,
        ),
      );
    },
    async get(key) {
      const text = await handle.call((client) => client.get(recordKey(key)));
      return text ? (JSON.parse(text) as SharedBreakerRecord) : undefined;
    },
    async claimProbe(key, ttlMs) {
      const token = randomUUID();
      const lock = probeKey(key);
      const taken = await handle.call((client) =>
        scripted(client).exaiClaimProbe(recordKey(key), lock, token, Math.max(1, Math.ceil(ttlMs))),
      );
      if (taken !== 1) return undefined;
      return async () => {
        await handle.call((client) => scripted(client).exaiReleaseProbe(lock, token));
      };
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
