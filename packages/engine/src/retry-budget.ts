/**
 * A retry budget per provider (as in gRPC retry throttling and Finagle): retries may add at most
 * `ratio` of the first attempts seen in a sliding window, with a small floor so a quiet gateway
 * can still retry. When a provider is failing hard, the budget runs dry and requests fail over
 * or fail fast instead of multiplying the load on it.
 */
export class RetryBudget {
  readonly #windowMs: number;
  readonly #ratio: number;
  readonly #floor: number;
  readonly #buckets = new Map<
    string,
    { start: number; requests: number; retries: number; previousRequests: number; previousRetries: number }
  >();

  constructor(options: { windowMs?: number; ratio?: number; floor?: number } = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#ratio = options.ratio ?? 0.2;
    this.#floor = options.floor ?? 10;
  }

  #bucket(key: string, now: number) {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { start: now, requests: 0, retries: 0, previousRequests: 0, previousRetries: 0 };
      this.#buckets.set(key, bucket);
    }
    if (now - bucket.start >= this.#windowMs) {
      const skipped = now - bucket.start >= 2 * this.#windowMs;
      bucket.previousRequests = skipped ? 0 : bucket.requests;
      bucket.previousRetries = skipped ? 0 : bucket.retries;
      bucket.requests = 0;
      bucket.retries = 0;
      bucket.start = now;
    }
    return bucket;
  }

  /** Records a first attempt. */
  request(key: string, now = Date.now()): void {
    this.#bucket(key, now).requests++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(key: string, now = Date.now()): boolean {
    const bucket = this.#bucket(key, now);
    const requests = bucket.requests + bucket.previousRequests;
    const retries = bucket.retries + bucket.previousRetries;
    if (retries >= Math.max(this.#floor, requests * this.#ratio)) return false;
    bucket.retries++;
    return true;
  }
}
