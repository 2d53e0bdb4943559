import { EventEmitter } from 'node:events';
import type { SharedBreakerRecord } from '@exai/core';
import { KeyedBreaker } from './breaker.js';
import { type BreakerHost, type HostSettings, hostSettings } from './host.js';
import { parseKey, resolveBreakerOptions } from './options.js';
import type {
  Breaker,
  BreakerErrorContext,
  BreakerRegistry,
  BreakerRegistryOptions,
  BreakerSnapshot,
  BreakerStateEvent,
  BreakerStateListener,
} from './types.js';

/**
 * Creates a registry of circuit breakers, one per key (`provider` or `provider/model`), each
 * created on first use with its provider's options.
 */
export function createBreakerRegistry(options: BreakerRegistryOptions = {}): BreakerRegistry {
  return new Registry(options);
}

/**
 * At most this many breakers are made from shared records for keys this instance never used. The
 * fleet's keys are bounded already (a made-up model name shares its provider's `glm/*` breaker); the
 * cap keeps a shared state holding junk keys from growing the registry without bound.
 */
const REMOTE_BREAKER_CAP = 1_000;

interface RotationClock {
  emitter: EventEmitter;
  timer: NodeJS.Timeout;
}

class Registry implements BreakerRegistry, BreakerHost {
  readonly settings: HostSettings;
  readonly instanceId: string;
  private readonly breakers = new Map<string, KeyedBreaker>();
  private readonly listeners = new Set<BreakerStateListener>();
  /** One bucket-rotation timer per distinct bucket interval, instead of one per breaker. */
  private readonly clocks = new Map<number, RotationClock>();
  private readonly unsubscribe: (() => void) | undefined;
  private remoteMade = 0;
  private closed = false;

  constructor(private readonly options: BreakerRegistryOptions) {
    this.settings = hostSettings(options);
    this.instanceId = this.settings.instanceId;
    // Fail at construction, not on the first request, when an option is wrong.
    resolveBreakerOptions('*', options.defaults, undefined);
    for (const provider of Object.keys(options.perProvider ?? {})) {
      resolveBreakerOptions(provider, options.defaults, options.perProvider);
    }
    this.unsubscribe = options.shared?.subscribe((key, record) => this.applyRemote(key, record));
  }

  /**
   * Another instance's record. A key this instance has no breaker for gets one when the record holds
   * it open, so an instance that has not called the provider yet (a new worker) reports the fleet's
   * state in its snapshot (`/readyz`, the dashboard) and refuses at once. A closed record needs no
   * breaker: a new one is closed.
   */
  private applyRemote(key: string, record: SharedBreakerRecord): void {
    const existing = this.breakers.get(key);
    if (existing !== undefined) {
      existing.applyRemote(record);
      return;
    }
    if (this.closed || record.state !== 'open' || record.instance === this.instanceId) return;
    if ((record.until ?? 0) <= Date.now() || this.remoteMade >= REMOTE_BREAKER_CAP) return;
    this.remoteMade++;
    this.get(key);
    this.breakers.get(key)?.applyRemote(record);
  }

  get(key: string): Breaker {
    const existing = this.breakers.get(key);
    if (existing !== undefined) return existing;
    if (this.closed) throw new Error('The breaker registry is closed');
    const parsed = parseKey(key);
    const breakerOptions = Object.freeze(
      resolveBreakerOptions(parsed.provider, this.options.defaults, this.options.perProvider),
    );
    const breaker = new KeyedBreaker(key, parsed, breakerOptions, this);
    this.breakers.set(key, breaker);
    return breaker;
  }

  snapshot(): BreakerSnapshot[] {
    const result: BreakerSnapshot[] = [];
    for (const breaker of this.breakers.values()) result.push(breaker.snapshot());
    return result;
  }

  on(_event: 'state', listener: BreakerStateListener): void {
    this.listeners.add(listener);
  }

  off(_event: 'state', listener: BreakerStateListener): void {
    this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const breaker of this.breakers.values()) breaker.shutdown();
    for (const clock of this.clocks.values()) clearInterval(clock.timer);
    this.clocks.clear();
  }

  rotationClock(bucketIntervalMs: number): EventEmitter {
    const interval = Math.max(1, bucketIntervalMs);
    let clock = this.clocks.get(interval);
    if (clock === undefined) {
      const emitter = new EventEmitter();
      emitter.setMaxListeners(0);
      const timer = setInterval(() => emitter.emit('rotate'), interval);
      timer.unref();
      clock = { emitter, timer };
      this.clocks.set(interval, clock);
    }
    return clock.emitter;
  }

  emitState(event: BreakerStateEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.reportError(error, { operation: 'listener', key: event.key });
      }
    }
  }

  reportError(error: unknown, context: BreakerErrorContext): void {
    try {
      this.options.onError?.(error, context);
    } catch {
      // An error reporter that throws must not break a call.
    }
  }
}
