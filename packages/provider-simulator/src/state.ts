import { createHash } from 'node:crypto';
import type { Attempt, Dialect, StoredFile } from './types.js';

/** Everything the simulator remembers between requests; `reset()` forgets it. */
export class SimulatorState {
  attempts: Attempt[] = [];
  readonly scripts = new Map<string, string>();
  readonly counters = new Map<string, number>();
  readonly files = new Map<string, StoredFile>();
  /** A provider's context cache: digests of the message prefixes each model has seen. */
  readonly promptCache = new Set<string>();
  private sequence = 0;
  private fileSequence = 0;

  constructor(private readonly maxAttempts: number) {}

  begin(dialect: Dialect | null, method: string, path: string): Attempt {
    const now = Date.now();
    const attempt: Attempt = {
      seq: ++this.sequence,
      time: new Date(now).toISOString(),
      arrivedAt: now,
      dialect,
      method,
      path,
      model: null,
      scenario: null,
      stream: false,
      status: null,
      clientHungUp: false,
      durationMs: null,
    };
    if (this.attempts.length >= this.maxAttempts) {
      this.attempts.splice(0, Math.max(1, Math.floor(this.maxAttempts / 10)));
    }
    this.attempts.push(attempt);
    return attempt;
  }

  /** Counts a request for `key` and returns how many came before it since reset. */
  count(key: string): number {
    const seen = this.counters.get(key) ?? 0;
    this.counters.set(key, seen + 1);
    return seen;
  }

  /**
   * Prompt tokens a provider would serve from its context cache: those of the longest prefix of
   * `messages` (whole messages) this dialect and model saw before. Remembers every prefix of this one.
   */
  cachedPromptTokens(cacheKey: string, messages: readonly unknown[]): number {
    const hash = createHash('sha256').update(cacheKey);
    let chars = 0;
    let cached = 0;
    for (const [index, message] of messages.entries()) {
      const text = JSON.stringify(message);
      hash.update(text);
      chars += text.length;
      const digest = hash.copy().digest('hex');
      // The last message is the new turn: a prefix of history only counts when something follows it.
      if (index < messages.length - 1 && this.promptCache.has(digest)) cached = Math.ceil(chars / 4);
      if (this.promptCache.size > 100_000) this.promptCache.clear();
      this.promptCache.add(digest);
    }
    return cached;
  }

  nextFileId(): string {
    this.fileSequence += 1;
    return `file-sim-${this.fileSequence.toString().padStart(6, '0')}`;
  }

  reset(): void {
    this.attempts = [];
    this.scripts.clear();
    this.counters.clear();
    this.files.clear();
    this.promptCache.clear();
  }
}
