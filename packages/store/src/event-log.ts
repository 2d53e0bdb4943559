import { keyPrefix, type RedisOptions, type RedisSource, redisHandle } from './redis-connection.js';

/** One entry of an event log: its id (unique within the log, increasing) and its text. */
export interface LoggedEvent {
  id: string;
  data: string;
}

/**
 * Append-only logs of short-lived events, each bounded in length and age: what a resumable stream
 * needs to replay what a client missed (exai-mcp's SSE streams). The caller names the log; it puts
 * the tenant in the name, so another tenant's events are never found under its own name.
 */
export interface EventLog {
  readonly kind: 'memory' | 'redis';
  /** Appends to `log` (dropping its oldest entry beyond the cap) and returns the new entry's id. */
  append(log: string, data: string): Promise<string>;
  /** True when `id` is still in `log`. */
  has(log: string, id: string): Promise<boolean>;
  /** The entries of `log` after `id`, oldest first; undefined when `id` is not (or no longer) in it. */
  after(log: string, id: string): Promise<LoggedEvent[] | undefined>;
  close(): Promise<void>;
}

export interface EventLogOptions {
  /** A log unwritten for this long is dropped. Default 15 minutes. */
  ttlMs?: number;
  /** Entries kept per log; the oldest go first. Default 1000. */
  maxEntries?: number;
}

export const eventLogDefaults = { ttlMs: 15 * 60_000, maxEntries: 1_000, maxLogs: 10_000 } as const;

/**
 * In this process only: lost with the process. At most `maxLogs` logs (the least recently written
 * go first), each dropped `ttlMs` after its last write.
 */
export function createMemoryEventLog(
  options: EventLogOptions & { maxLogs?: number; now?: () => number } = {},
): EventLog {
  const ttlMs = options.ttlMs ?? eventLogDefaults.ttlMs;
  const maxEntries = options.maxEntries ?? eventLogDefaults.maxEntries;
  const maxLogs = options.maxLogs ?? eventLogDefaults.maxLogs;
  const now = options.now ?? Date.now;
  // Insertion order is write order (a written log is moved to the end), so the first is the stalest.
  const logs = new Map<string, { entries: LoggedEvent[]; expiresAt: number; next: number }>();
  const live = (name: string) => {
    const log = logs.get(name);
    if (log && log.expiresAt <= now()) logs.delete(name);
    return log && log.expiresAt > now() ? log : undefined;
  };
  return {
    kind: 'memory',
    async append(name, data) {
      const log = live(name) ?? { entries: [], expiresAt: 0, next: 0 };
      log.next += 1;
      const id = String(log.next);
      log.entries.push({ id, data });
      if (log.entries.length > maxEntries) log.entries.shift();
      log.expiresAt = now() + ttlMs;
      logs.delete(name);
      logs.set(name, log);
      for (const [stale, entry] of logs) {
        if (logs.size <= maxLogs && entry.expiresAt > now()) break;
        logs.delete(stale);
      }
      return id;
    },
    async has(name, id) {
      return live(name)?.entries.some((entry) => entry.id === id) ?? false;
    },
    async after(name, id) {
      const entries = live(name)?.entries ?? [];
      const index = entries.findIndex((entry) => entry.id === id);
      return index < 0 ? undefined : entries.slice(index + 1);
    },
    close: async () => logs.clear(),
  };
}

/**
 * On Redis, so any instance replays what another wrote (it survives the loss of the writer): one
 * Redis stream per log (`<prefix>events:<log>`), capped at `maxEntries` by XADD MAXLEN, its TTL
 * renewed on every write.
 */
export function createRedisEventLog(source: RedisSource, options: RedisOptions & EventLogOptions = {}): EventLog {
  const handle = redisHandle(source, options);
  const prefix = `${keyPrefix(options)}events:`;
  const ttlMs = options.ttlMs ?? eventLogDefaults.ttlMs;
  const maxEntries = options.maxEntries ?? eventLogDefaults.maxEntries;
  const has = (log: string, id: string) =>
    handle.call(async (client) => (await client.xrange(`${prefix}${log}`, id, id)).length > 0);
  return {
    kind: 'redis',
    async append(log, data) {
      const key = `${prefix}${log}`;
      const results = await handle.call((client) =>
        client.multi().xadd(key, 'MAXLEN', String(maxEntries), '*', 'd', data).pexpire(key, ttlMs).exec(),
      );
      const [error, id] = results?.[0] ?? [new Error('Redis did not run XADD'), undefined];
      if (error) throw error;
      return String(id);
    },
    has: (log, id) => (/^\d+-\d+$/.test(id) ? has(log, id) : Promise.resolve(false)),
    async after(log, id) {
      if (!/^\d+-\d+$/.test(id) || !(await has(log, id))) return undefined;
      const entries = await handle.call((client) => client.xrange(`${prefix}${log}`, `(${id}`, '+'));
      return entries.map(([entryId, fields]) => ({ id: entryId, data: fields[1] ?? '' }));
    },
    close: () => handle.close(),
  };
}

/** Redis when `redisUrl` is set, else this process's memory. */
export function createEventLog(
  options: EventLogOptions & { redisUrl?: string; prefix?: string } & Pick<RedisOptions, 'logger'> = {},
): EventLog {
  const { redisUrl, ...rest } = options;
  return redisUrl ? createRedisEventLog(redisUrl, rest) : createMemoryEventLog(rest);
}
