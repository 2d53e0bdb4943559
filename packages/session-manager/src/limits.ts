import { Gate } from './gate.js';
import { KeyedQueues } from './keyed-queues.js';
import type { ResolvedOptions } from './options.js';
import type { Session } from './session.js';

/**
 * The three limits as gates (a counter and a FIFO each, gate.ts), always entered in the same order —
 * conversation, then provider, then global — and each slot held until the function ends:
 * - one order for every call means no cycle of waits, hence no deadlock;
 * - a call asks for a global slot only once its provider has room, so a saturated provider never
 *   sits on global slots another provider could use (no head-of-line blocking across providers);
 * - the conversation queue is first and FIFO, so a conversation's calls start in arrival order.
 *
 * A gate frees a slot one microtask after a task ends, so whether a new call will wait is decided
 * from our own occupancy counts, which change synchronously.
 */
export class Limits {
  readonly #global: Gate;
  readonly #globalLimit: number;
  #globalOccupants = 0;
  readonly providers: KeyedQueues;
  readonly conversations: KeyedQueues;
  readonly #perConversation: number;

  constructor(options: ResolvedOptions) {
    this.#globalLimit = options.global;
    this.#global = new Gate(options.global);
    this.providers = new KeyedQueues(options.providerLimit);
    this.#perConversation = options.perConversation;
    this.conversations = new KeyedQueues(() => options.perConversation);
  }

  /** Takes a reference on the session's provider and conversation queues (creating them if needed). */
  attach(session: Session): void {
    const { provider, conversationId } = session.record;
    if (conversationId !== undefined) session.conversationEntry = this.conversations.acquire(conversationId);
    if (provider !== undefined) session.providerEntry = this.providers.acquire(provider);
  }

  /** Whether the session would get all its slots right away, with nobody ahead of it. */
  canStartNow(session: Session): boolean {
    const { providerEntry, conversationEntry } = session;
    return (
      this.#globalOccupants < this.#globalLimit &&
      (providerEntry === undefined || providerEntry.occupants < providerEntry.queue.concurrency) &&
      (conversationEntry === undefined || conversationEntry.occupants < this.#perConversation)
    );
  }

  /**
   * Puts the session through its queues; `start` runs once every slot is held, and the slots are
   * held until the promise `start` returns settles. `signal` takes a waiting session out of its queue.
   */
  enqueue(
    session: Session,
    startsNow: boolean,
    signal: AbortSignal | undefined,
    start: (session: Session) => Promise<void>,
  ): Promise<unknown> {
    const addOptions = signal === undefined ? undefined : { signal };
    const { providerEntry, conversationEntry } = session;
    if (startsNow) this.#reserve(session);
    const run = () => start(session);
    let task = (): Promise<unknown> => {
      if (session.left) return Promise.resolve();
      if (!session.inGlobal) {
        session.inGlobal = true;
        this.#globalOccupants++;
      }
      return this.#global.add(run, addOptions);
    };
    if (providerEntry !== undefined) {
      const inner = task;
      task = () => {
        if (session.left) return Promise.resolve();
        if (!session.inProvider) {
          session.inProvider = true;
          providerEntry.occupants++;
        }
        return providerEntry.queue.add(inner, addOptions);
      };
    }
    if (conversationEntry !== undefined) {
      const inner = task;
      if (!session.inConversation) {
        session.inConversation = true;
        conversationEntry.occupants++;
      }
      return conversationEntry.queue.add(inner, addOptions);
    }
    return task();
  }

  #reserve(session: Session): void {
    session.inGlobal = true;
    this.#globalOccupants++;
    if (session.providerEntry !== undefined) {
      session.inProvider = true;
      session.providerEntry.occupants++;
    }
    if (session.conversationEntry !== undefined) {
      session.inConversation = true;
      session.conversationEntry.occupants++;
    }
  }

  /**
   * The session no longer occupies any queue (its function ended, or it was taken out or turned away
   * while waiting): give back its references; the queues of an idle provider or conversation are
   * deleted. Safe before a gate's own bookkeeping catches up: a deleted queue has nobody left in it.
   */
  leave(session: Session): void {
    if (session.left) return;
    session.left = true;
    if (session.inGlobal) this.#globalOccupants--;
    if (session.inProvider) session.providerEntry!.occupants--;
    if (session.inConversation) session.conversationEntry!.occupants--;
    const { conversationEntry, providerEntry, record } = session;
    if (conversationEntry !== undefined) this.conversations.release(record.conversationId!, conversationEntry);
    if (providerEntry !== undefined) this.providers.release(record.provider!, providerEntry);
  }
}
