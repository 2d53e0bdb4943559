import {
  type ErrorCode,
  GatewayError,
  type Logger,
  type SharedBreakerRecord,
  type SharedBreakerState,
  type SharedSemaphore,
} from '@exai/core';

/**
 * Credential holds: a provider key that the provider rejected (revoked, wrong, no balance) is held
 * out for a long time (minutes), then one request re-checks it. The records live in the shared
 * breaker state (Redis when configured) under `credential:<provider>#<key index>`, so every
 * instance skips a rejected key, and the re-check is taken by one instance (a lock with expiry in
 * the shared semaphore). The key itself is never stored, logged or shown: only its position.
 */

export type CredentialReason = Extract<ErrorCode, 'upstream_auth' | 'upstream_billing'>;

export interface CredentialHold {
  provider: string;
  /** 1-based position of the key in the provider's `keys` (never the key). */
  key: number;
  reason: CredentialReason;
  /** Epoch ms when one request re-checks the key. */
  until: number;
  /** The provider's reason, key material redacted. */
  message: string;
}

export interface CredentialHoldsOptions {
  holdMs: number;
  shared: SharedBreakerState;
  probes: SharedSemaphore;
  logger: Logger;
  instanceId: string;
  now?: () => number;
  /** How long one re-check may hold the lock. Default 60 s. */
  probeTtlMs?: number;
}

/** What a call runs with: the key to send and, for a re-check, the lock to give back. */
export interface CredentialLease {
  keyIndex: number;
  probe: boolean;
  release?: () => Promise<void>;
}

interface HoldRecord extends SharedBreakerRecord {
  reason?: CredentialReason;
  message?: string;
}

const recordKey = (provider: string, index: number) => `credential:${provider}#${index}`;
const isReason = (value: unknown): value is CredentialReason =>
  value === 'upstream_auth' || value === 'upstream_billing';

export class CredentialHolds {
  readonly #options: CredentialHoldsOptions;
  readonly #now: () => number;
  readonly #holds = new Map<string, CredentialHold>();
  /** Keys whose shared record was read once (later changes arrive by subscription). */
  readonly #loaded = new Map<string, Promise<void>>();
  readonly #failures = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(options: CredentialHoldsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#unsubscribe = options.shared.subscribe((key, record) => {
      if (key.startsWith('credential:')) this.#apply(key, record as HoldRecord);
    });
  }

  /**
   * The key this call sends, or undefined when every key of the provider is held out (or not `usable`:
   * the executor passes over keys whose model breaker refuses).
   */
  async acquire(
    provider: string,
    keyCount: number,
    usable: (index: number) => boolean = () => true,
  ): Promise<CredentialLease | undefined> {
    for (let index = 0; index < keyCount; index++) {
      if (!usable(index)) continue;
      const key = recordKey(provider, index);
      await this.#load(key);
      const hold = this.#holds.get(key);
      if (!hold) return { keyIndex: index, probe: false };
      if (hold.until > this.#now()) continue;
      // The hold is over: one request in the fleet re-checks the key; the others keep skipping it.
      const release = await this.#options.probes
        .tryAcquire(`credential-probe:${provider}#${index}`, 1, this.#options.probeTtlMs ?? 60_000)
        .catch((error: unknown) => {
          this.#options.logger.warn(
            { err: error, provider, key: index + 1 },
            'credential re-check lock unavailable; re-checking locally',
          );
          return async () => {};
        });
      if (release) return { keyIndex: index, probe: true, release };
    }
    return undefined;
  }

  /** Holds the key out after the provider rejected it; logs once per hold. */
  hold(provider: string, keyIndex: number, failure: GatewayError): void {
    if (!isReason(failure.code)) return;
    const key = recordKey(provider, keyIndex);
    this.#failures.set(provider, (this.#failures.get(provider) ?? 0) + 1);
    const now = this.#now();
    const current = this.#holds.get(key);
    const hold: CredentialHold = {
      provider,
      key: keyIndex + 1,
      reason: failure.code,
      until: now + this.#options.holdMs,
      message: failure.message,
    };
    this.#holds.set(key, hold);
    // Concurrent calls that were already under way with this key are not a new hold.
    if (current && current.until > now) return;
    this.#options.logger.warn(
      { provider, key: hold.key, reason: hold.reason, holdMs: this.#options.holdMs },
      `${provider} rejected the gateway's key #${hold.key} (${hold.reason}); holding it out until ` +
        `${new Date(hold.until).toISOString()}`,
    );
    this.#publish(key, {
      state: 'open',
      until: hold.until,
      instance: this.#options.instanceId,
      updatedAt: now,
      reason: hold.reason,
      message: hold.message,
    });
  }

  /** A re-checked key answered: it serves again, on every instance. */
  recovered(provider: string, keyIndex: number): void {
    const key = recordKey(provider, keyIndex);
    if (!this.#holds.delete(key)) return;
    this.#options.logger.info(
      { provider, key: keyIndex + 1 },
      `${provider} accepts the gateway's key #${keyIndex + 1} again`,
    );
    this.#publish(key, { state: 'closed', instance: this.#options.instanceId, updatedAt: this.#now() });
  }

  /** The error for a provider whose every key is held out (503: nothing was sent). */
  heldError(provider: string, model: string): GatewayError {
    const holds = this.list().filter((hold) => hold.provider === provider);
    const last = holds.at(-1);
    const until = holds.length > 0 ? Math.min(...holds.map((hold) => hold.until)) : this.#now();
    return new GatewayError(last?.reason ?? 'upstream_auth', {
      provider,
      model,
      statusCode: 503,
      message:
        `${provider} is held out: it rejected the gateway's credentials (${last?.message ?? 'no detail'}); ` +
        `re-checked after ${new Date(until).toISOString()}`,
    });
  }

  /** Keys held out now, for `/readyz` and the dashboard. */
  list(): CredentialHold[] {
    return [...this.#holds.values()].sort(
      (left, right) => left.provider.localeCompare(right.provider) || left.key - right.key,
    );
  }

  /** Rejections of the gateway's keys per provider since start (a counter). */
  failures(): Record<string, number> {
    return Object.fromEntries(this.#failures);
  }

  close(): void {
    this.#unsubscribe();
  }

  #load(key: string): Promise<void> {
    let loading = this.#loaded.get(key);
    if (!loading) {
      loading = this.#options.shared.get(key).then(
        (record) => {
          if (record) this.#apply(key, record as HoldRecord);
        },
        (error: unknown) =>
          this.#options.logger.warn({ err: error }, 'could not read shared credential holds; using local ones'),
      );
      this.#loaded.set(key, loading);
    }
    return loading;
  }

  #apply(key: string, record: HoldRecord): void {
    if (record.state !== 'open' || record.until === undefined) {
      this.#holds.delete(key);
      return;
    }
    const rest = key.slice('credential:'.length);
    const hash = rest.lastIndexOf('#');
    const provider = rest.slice(0, hash);
    const index = Number(rest.slice(hash + 1));
    this.#holds.set(key, {
      provider,
      key: index + 1,
      reason: isReason(record.reason) ? record.reason : 'upstream_auth',
      until: record.until,
      message: typeof record.message === 'string' ? record.message : `${provider} rejected the gateway's key`,
    });
  }

  #publish(key: string, record: HoldRecord): void {
    this.#options.shared
      .publish(key, record)
      .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'could not share a credential hold'));
  }
}
