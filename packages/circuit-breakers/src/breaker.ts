import { type BreakerState, CircuitOpenError, type SharedBreakerRecord, TimeoutError } from '@exai/core';
import CircuitBreaker from 'opossum';
import type { BreakerHost } from './host.js';
import type { BreakerOptions, ParsedKey } from './options.js';
import { claimProbe, type Release } from './probe-claim.js';
import { type FaultScope, judge, ProbeSchedule } from './scope.js';
import type { Breaker, BreakerSnapshot } from './types.js';

/** Parts of opossum's Status that its type definitions leave out. */
interface StatusInternals {
  increment(property: 'rejects'): void;
  rotateBucket(): void;
}

/** The part of opossum's options it reads again at each opening (its reset timer). */
interface CircuitOptions {
  resetTimeout: number;
}

type Task = () => Promise<unknown>;
/** 429s whose holds would end within this of the current hold's end join it instead of extending it. */
const HOLD_SLACK_MS = 250;

/** The one action every opossum breaker runs: call the task it is fired with (no per-call closure). */
const runTask = (task: Task): Promise<unknown> => task();

/**
 * One key's breaker: opossum does the rolling window, the trip decision, the reset timer and the
 * single half-open probe; this class adds the gateway's error rules, `CircuitOpenError`, state events,
 * and another instance's "open" record as a hold in front of opossum.
 */
export class KeyedBreaker implements Breaker {
  readonly provider: string;
  readonly model: string | undefined;
  readonly keyIndex: number | undefined;
  readonly scope: FaultScope;
  private readonly circuit: CircuitBreaker<[Task], unknown>;
  private readonly status: StatusInternals;
  private current: BreakerState = 'closed';
  private openedAt: number | undefined;
  private nextAttemptAt: number | undefined;
  /** Epoch ms until which another instance's record holds this key open; 0 when none. */
  private remoteUntil = 0;
  private remoteOpenedAt = 0;
  private remoteInstance: string | undefined;
  private remoteProbe = false;
  /** A claim of the fleet's probe is on its way to the shared state (one per instance at a time). */
  private claiming = false;
  /** Set while a remote 'closed' record closes the circuit: that close is not published again. */
  private closingForRemote = false;
  private remoteTimer: NodeJS.Timeout | undefined;
  private nextReadAt = 0;
  private readonly probes: ProbeSchedule;
  private readonly circuitOptions: CircuitOptions;
  /** Epoch ms until which a rate limit's `Retry-After` holds this key; 0 when none. */
  private heldUntil = 0;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    parsed: ParsedKey,
    readonly options: Readonly<BreakerOptions>,
    private readonly host: BreakerHost,
  ) {
    this.provider = parsed.provider;
    this.model = parsed.model;
    this.keyIndex = parsed.keyIndex;
    this.scope = parsed.model === undefined ? 'provider' : 'model';
    this.probes = new ProbeSchedule(options.firstProbeMs, options.resetTimeoutMs);
    this.circuit = new CircuitBreaker(runTask, {
      name: key,
      timeout: options.timeoutMs,
      resetTimeout: this.probes.currentMs,
      rollingCountTimeout: options.rollingWindowMs,
      rollingCountBuckets: options.rollingWindowBuckets,
      volumeThreshold: options.volumeThreshold,
      errorThresholdPercentage: options.errorThresholdPercentage,
      errorFilter: (error: unknown) => !this.countsAsFailure(error, this.circuit.halfOpen),
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: host.rotationClock(Math.floor(options.rollingWindowMs / options.rollingWindowBuckets)),
    });
    this.status = this.circuit.status as unknown as StatusInternals;
    this.circuitOptions = (this.circuit as unknown as { options: CircuitOptions }).options;
    this.circuit.on('open', () => this.onOpen());
    this.circuit.on('halfOpen', () => this.sync());
    this.circuit.on('close', () => this.onClose());
  }

  execute<T>(fn: () => Promise<T>): Promise<T> {
    const circuit = this.circuit;
    // Open, or half-open with its one probe already in flight (opossum clears pendingClose on the probe).
    if (!circuit.closed && !circuit.pendingClose) return this.reject();
    if (this.heldUntil !== 0 && Date.now() < this.heldUntil) return this.reject();
    if (this.host.settings.shared !== undefined) {
      if (this.remoteUntil !== 0) return this.executeUnderRemoteHold(fn);
      // Half-open on our own evidence, its probe not yet taken: the fleet sends one probe, not one per instance.
      if (circuit.halfOpen) return this.probeOnce(fn);
      if (Date.now() >= this.nextReadAt) return this.refreshThenExecute(fn);
    }
    return this.fire(fn);
  }

  get state(): BreakerState {
    const circuit = this.circuit;
    if (circuit.opened || (this.heldUntil !== 0 && Date.now() < this.heldUntil)) return 'open';
    if (this.remoteUntil !== 0) return Date.now() < this.remoteUntil ? 'open' : 'half_open';
    return circuit.halfOpen ? 'half_open' : 'closed';
  }

  retryAfterMs(): number {
    const circuit = this.circuit;
    const now = Date.now();
    const held = Math.max(0, this.heldUntil - now);
    if (circuit.opened) return Math.max(held, (this.nextAttemptAt ?? now) - now);
    if (this.remoteUntil > now) return Math.max(held, this.remoteUntil - now);
    // A probe is in flight: if it fails, the next one is the schedule's next wait away.
    if ((circuit.halfOpen && !circuit.pendingClose) || this.remoteProbe) return Math.max(held, this.probes.currentMs);
    return held;
  }

  snapshot(): BreakerSnapshot {
    const stats = this.circuit.stats;
    const state = this.state;
    const local = this.circuit.opened || this.circuit.halfOpen;
    const remote = !local && this.remoteUntil !== 0;
    return {
      key: this.key,
      scope: this.scope,
      provider: this.provider,
      model: this.model,
      ...(this.keyIndex !== undefined ? { keyIndex: this.keyIndex } : {}),
      state,
      calls: stats.fires,
      failures: stats.failures,
      successes: stats.successes,
      rejections: stats.rejects,
      timeouts: stats.timeouts,
      openedAt: local ? this.openedAt : remote ? this.remoteOpenedAt : undefined,
      nextAttemptAt: local ? this.nextAttemptAt : remote ? this.remoteUntil : undefined,
      openedBy: local ? this.host.settings.instanceId : remote ? this.remoteInstance : undefined,
      heldUntil: this.heldUntil > Date.now() ? this.heldUntil : undefined,
    };
  }

  /** Takes in another instance's record (from a subscription or a read). */
  applyRemote(record: SharedBreakerRecord): void {
    if (record.instance === this.host.settings.instanceId || this.circuit.isShutdown) return;
    if (record.state === 'open') {
      const until = record.until ?? 0;
      if (until <= Date.now() || until <= this.remoteUntil || this.circuit.opened) return;
      this.remoteUntil = until;
      this.remoteOpenedAt = record.updatedAt;
      this.remoteInstance = record.instance;
      clearTimeout(this.remoteTimer);
      this.remoteTimer = setTimeout(() => this.sync(), until - Date.now() + 1);
      this.remoteTimer.unref();
      this.sync();
    } else if (
      record.state === 'closed' &&
      this.remoteUntil !== 0 &&
      !this.remoteProbe &&
      record.updatedAt >= this.remoteOpenedAt
    ) {
      this.clearRemote();
      this.sync();
    } else if (record.state === 'closed' && this.circuit.halfOpen && this.circuit.pendingClose) {
      // Another instance's probe succeeded while ours waited for its turn.
      this.closingForRemote = true;
      try {
        this.circuit.close();
      } finally {
        this.closingForRemote = false;
      }
    }
  }

  shutdown(): void {
    clearTimeout(this.remoteTimer);
    clearTimeout(this.holdTimer);
    this.circuit.shutdown();
  }

  /** Whether `error` counts toward opening (see `judge`); a rate limit's `Retry-After` holds the key instead. */
  private countsAsFailure(error: unknown, probing: boolean): boolean {
    const verdict = judge(error, this.host.settings.scoped ? this.scope : undefined, probing);
    if (verdict === 'failure' || verdict === 'answered') return verdict === 'failure';
    this.hold(verdict.holdMs);
    return false;
  }

  /** Refuses calls until `ms` from now (the provider's `Retry-After`), without counting a failure. */
  private hold(ms: number): void {
    const until = Date.now() + Math.ceil(ms);
    // 429s of concurrent calls arrive together: one hold for them, so each call's own retry after its
    // `Retry-After` finds the model free. A longer wait asked for extends the hold.
    if (until <= this.heldUntil + HOLD_SLACK_MS) return;
    this.heldUntil = until;
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.heldUntil = 0;
      this.sync();
    }, until - Date.now());
    this.holdTimer.unref();
    this.sync();
  }

  private fire<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.circuit.fire(fn) as Promise<T>;
    return this.options.timeoutMs === false ? result : result.catch((error: unknown) => this.translateTimeout(error));
  }

  private translateTimeout(error: unknown): never {
    if (
      error instanceof Error &&
      CircuitBreaker.isOurError(error) &&
      (error as { code?: string }).code === 'ETIMEDOUT'
    ) {
      throw new TimeoutError({ provider: this.provider, model: this.model, message: error.message, cause: error });
    }
    throw error;
  }

  private reject(): Promise<never> {
    if (this.circuit.isShutdown) return Promise.reject(new Error(`The breaker registry is closed (key ${this.key})`));
    this.status.increment('rejects');
    return Promise.reject(
      new CircuitOpenError({
        provider: this.provider,
        model: this.model,
        retryAfterMs: this.retryAfterMs(),
        message: `Circuit open for ${this.key}`,
      }),
    );
  }

  private async refreshThenExecute<T>(fn: () => Promise<T>): Promise<T> {
    await this.refresh();
    return this.execute(fn);
  }

  private refresh(): Promise<void> {
    const { shared, sharedRefreshMs, sharedReadTimeoutMs } = this.host.settings;
    this.nextReadAt = Date.now() + sharedRefreshMs;
    if (shared === undefined) return Promise.resolve();
    const read = shared.get(this.key).then(
      (record) => {
        if (record !== undefined) this.applyRemote(record);
      },
      (error: unknown) => this.host.reportError(error, { operation: 'get', key: this.key }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, sharedReadTimeoutMs);
      timer.unref();
    });
    return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
  }

  private async executeUnderRemoteHold<T>(fn: () => Promise<T>): Promise<T> {
    if (this.remoteProbe || Date.now() < this.remoteUntil) return this.reject();
    // The hold has expired here: this call may be the fleet's single probe, if it gets the claim.
    this.remoteProbe = true;
    const release = await claimProbe(this.host, this.key);
    if (release === undefined) {
      this.remoteProbe = false;
      return this.reject();
    }
    return this.fire(fn).then(
      (value) => {
        this.settleRemoteProbe(false);
        release();
        return value;
      },
      (error: unknown) => {
        this.settleRemoteProbe(this.countsAsFailure(error, true));
        release();
        throw error;
      },
    );
  }

  /** The local half-open probe, sent only when this instance gets the fleet's claim; refused otherwise. */
  private async probeOnce<T>(fn: () => Promise<T>): Promise<T> {
    if (this.claiming) return this.reject();
    this.claiming = true;
    let release: Release | undefined;
    try {
      release = await claimProbe(this.host, this.key);
    } finally {
      this.claiming = false;
    }
    if (release === undefined) return this.reject();
    const taken = release;
    // The state may have moved while the claim travelled (a remote close, or another call's probe).
    if (!this.circuit.halfOpen || !this.circuit.pendingClose) {
      taken();
      return this.execute(fn);
    }
    return this.fire(fn).finally(taken);
  }

  private settleRemoteProbe(failed: boolean): void {
    this.remoteProbe = false;
    const remoteWaitMs = this.remoteUntil - this.remoteOpenedAt;
    this.clearRemote();
    if (failed) {
      // Our own evidence now: opossum's reset timer, and we publish it (opossum may have opened already).
      // The schedule goes on from the hold the other instance had published, not from the start.
      if (!this.circuit.opened) {
        this.probes.failedAfter(remoteWaitMs);
        this.circuitOptions.resetTimeout = this.probes.currentMs;
        this.circuit.open();
      }
    } else {
      this.publish('closed');
    }
    this.sync();
  }

  private clearRemote(): void {
    this.remoteUntil = 0;
    this.remoteInstance = undefined;
    clearTimeout(this.remoteTimer);
    this.remoteTimer = undefined;
  }

  private onOpen(): void {
    const now = Date.now();
    this.openedAt = now;
    // opossum's reset timer has just started with the schedule's current wait; the next opening waits longer.
    this.nextAttemptAt = now + this.circuitOptions.resetTimeout;
    this.probes.opened();
    this.circuitOptions.resetTimeout = this.probes.currentMs;
    this.clearRemote(); // our own evidence governs from here
    this.publish('open');
    this.sync();
  }

  private onClose(): void {
    // opossum keeps the failures that opened the breaker in its window; after a good probe they would
    // re-open it on the next single failure, so start the window afresh.
    for (let bucket = 0; bucket < this.options.rollingWindowBuckets; bucket++) this.status.rotateBucket();
    this.openedAt = undefined;
    this.nextAttemptAt = undefined;
    this.probes.closed();
    this.circuitOptions.resetTimeout = this.probes.currentMs;
    if (!this.closingForRemote) this.publish('closed');
    this.sync();
  }

  private publish(state: 'open' | 'closed'): void {
    const shared = this.host.settings.shared;
    if (shared === undefined) return;
    const record: SharedBreakerRecord = { state, instance: this.host.settings.instanceId, updatedAt: Date.now() };
    if (state === 'open') record.until = this.nextAttemptAt;
    const report = (error: unknown): void => this.host.reportError(error, { operation: 'publish', key: this.key });
    try {
      shared.publish(this.key, record).catch(report);
    } catch (error) {
      report(error);
    }
  }

  /** Emits a state event when the state callers see has changed. */
  private sync(): void {
    const to = this.state;
    if (to === this.current) return;
    const from = this.current;
    this.current = to;
    this.host.emitState({ key: this.key, provider: this.provider, model: this.model, from, to, at: Date.now() });
  }
}
