/**
 * `Condition`, as Python's `threading.Condition`, built as CPython builds it:
 * it borrows its lock's release-save / acquire-restore, and keeps a FIFO of
 * waiters. Each thread has one wait word in shared memory; `wait()` queues
 * this thread's word (under the lock), releases the lock, sleeps on the word;
 * `notify(n)` pops n waiters (under the lock), sets their words and wakes
 * them. So notify(n) wakes at most n threads, in the order they waited, and a
 * waiter that times out takes itself off the queue.
 *
 * A thread can also leave the queue by dying in wait(): shutdown() stops a
 * daemon thread by terminating its worker, which runs no more of its code.
 * So each entry holds, beside the waiter's wait-word slot, the word of its
 * thread's slot in the thread table as it was when it queued — a word that
 * holds the slot's generation and changes when that thread ends (and again
 * when a new thread takes the slot). notify() skips and drops every entry
 * whose thread's word is no longer that one: the thread is dead, and its
 * wake-up goes to the next live waiter. This check is correct under races:
 * it runs under the condition's lock, which a live waiter needs to leave the
 * queue, so an entry whose word still matches is a thread that still waits
 * (or has timed out and will drop its own entry once it holds the lock, and
 * then sees it was notified, as in CPython). A thread that dies after the
 * check takes the wake-up with it, as if it had been notified just before it
 * died; but shutdown() returns only once the supervisor has marked every
 * stopped thread ended, so no later notify picks one. (The supervisor could
 * not clear the queues itself: it does not know which Conditions a thread
 * was waiting on.)
 */
import { RuntimeError, argError, takesAtMost } from "../errors";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { sharedState } from "../state/buffers";
import { MAX_THREADS, T } from "../state/layout";
import { mySlot } from "../state/me";
import { WAIT, beginWait, endWait } from "../state/waits";
import { spinSite, spinUntil } from "../state/spin";
import { Lock, isOptions, syncName, withAcquired, type SyncOptions } from "./lock";
import { RLock } from "./rlock";
import { checkTimeout, deadline, remaining, secondsLeft, waitWord } from "./wait";
import { traceWait, waitDone } from "../state/trace";

/** Where wait() spins for a notify (state/spin.ts). */
const NOTIFY_SPIN = spinSite();

/** How many threads may wait on one Condition at once. */
export const MAX_WAITERS = 1024;
const LEN = 0;
/** Words per queued waiter: its wait-word slot, then its thread's slot word when it queued. */
const ENTRY = 2;
const ASLEEP = 2;

type AnyLock = Lock | RLock;

/**
 * @internal The thread-table word of the thread with wait word `slot` (the main thread, which never
 * ends: 0). It changes when that thread ends, so a waiter's entry keeps it to tell whether it still lives.
 */
export function threadWord(slot: number): number {
  return slot === MAX_THREADS ? 0 : Atomics.load(sharedState().threads, slot * T.STRIDE + T.STATE);
}

function isOwned(lock: AnyLock): boolean {
  if (lock instanceof RLock) return lock.isOwned();
  // CPython's way for a plain Lock: if we can take it, nobody (so not us) held it.
  if (lock.acquire(false)) {
    lock.release();
    return false;
  }
  return true;
}

/** What a Condition's waits are reported as: its own kind and name, or those of the object built on it (an Event...). */
interface Label {
  kind: number;
  name: string;
}

/** The state for the next `Condition` to be built on (a handle's); module-private, so user code cannot pass one. */
let building: { sab: SharedArrayBuffer; label: Label } | undefined;

export class Condition {
  /** @internal */ readonly sab: SharedArrayBuffer;
  readonly #q: Int32Array;
  readonly #lock: AnyLock;
  #label: Label;

  /**
   * @param lock the lock to use: a `Lock` or an `RLock`. @default a new RLock, as in Python
   * @param options `{ name }`: the name dumpThreads() shows for a thread waiting on it.
   * @throws {TypeError} for anything else, or more arguments.
   */
  constructor(lock?: AnyLock | null, ...rest: [] | [options: SyncOptions]) {
    const state = building;
    building = undefined;
    const sab = state?.sab;
    if (rest.length > 0 && !isOptions(rest)) throw takesAtMost("Condition()", 1, 1 + rest.length);
    this.#label = state?.label ?? { kind: WAIT.CONDITION, name: syncName("Condition()", "Condition", rest[0]) };
    if (lock !== undefined && lock !== null && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw argError("Condition()", "lock", "a Lock or an RLock", lock);
    }
    this.#lock = lock ?? new RLock();
    this.sab = sab ?? new SharedArrayBuffer((MAX_WAITERS * ENTRY + 1) * 4);
    this.#q = new Int32Array(this.sab);
  }

  /** @internal Reports waits on it as waits on the object built on it (an Event, a Semaphore, a Queue...). */
  labelled(kind: number, name: string): this {
    this.#label = { kind, name };
    return this;
  }

  /** The name dumpThreads() shows for a thread waiting on it. */
  get name(): string {
    return this.#label.name;
  }

  /** Acquires the underlying lock (same arguments as its `acquire`). */
  acquire(blocking = true, timeout: number = -1): boolean {
    return this.#lock.acquire(blocking, timeout);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /** Python's `with cond:`. */
  with<R>(fn: () => R): R {
    return withAcquired(this, fn);
  }

  /**
   * Waits until notified, or until `timeout` **seconds** pass (none: no limit).
   * The lock must be held; it is released while waiting and held again on return.
   * Returns false if the timeout expired, true otherwise.
   * @throws {RuntimeError} "cannot wait on un-acquired lock".
   */
  wait(timeout?: number | null): boolean {
    if (!isOwned(this.#lock)) throw new RuntimeError("cannot wait on un-acquired lock");
    const t = checkTimeout("wait()", timeout, true);
    const waiters = sharedState().waiters;
    const me = mySlot();
    const word = threadWord(me);
    if (Atomics.load(this.#q, LEN) >= MAX_WAITERS) this.#dropDead();
    const len = Atomics.load(this.#q, LEN);
    if (len >= MAX_WAITERS) throw new RuntimeError(`too many threads waiting on one Condition (at most ${MAX_WAITERS})`);
    Atomics.store(waiters, me, 0);
    Atomics.store(this.#q, 1 + len * ENTRY, me);
    Atomics.store(this.#q, 2 + len * ENTRY, word);
    Atomics.store(this.#q, LEN, len + 1);
    traceWait("Condition", this, this.sab, true);
    const saved = this.#lock instanceof RLock ? this.#lock.releaseSave() : (this.#lock.release(), 0);
    let interrupted: Error | undefined;
    try {
      const end = deadline(t === null ? null : Math.max(0, t));
      // A notify often comes within microseconds (a producer and a consumer in step): spin a
      // little before sleeping, as the Lock does; a futex sleep and wake-up cost ~10-20 µs.
      spinUntil(() => Atomics.load(waiters, me) !== 0, NOTIFY_SPIN);
      // Say "asleep" (2) before sleeping, so that a notifier makes the wake-up syscall only then.
      if (Atomics.compareExchange(waiters, me, 0, ASLEEP) === 0) {
        beginWait(this.#label.kind, this.#label.name);
        try {
          while (Atomics.load(waiters, me) === ASLEEP) {
            const left = remaining(end);
            if (left === 0) break;
            waitWord(waiters, me, ASLEEP, left);
          }
        } finally {
          endWait();
        }
      }
    } catch (err) {
      interrupted = err as Error; // KeyboardInterrupt: leave the queue, re-acquire, then rethrow
    } finally {
      if (this.#lock instanceof RLock) this.#lock.acquireRestore(saved);
      else this.#lock.acquire();
    }
    waitDone(undefined);
    const notified = Atomics.load(waiters, me) === 1;
    if (!notified) this.#remove(me, word);
    if (interrupted) throw interrupted;
    return notified;
  }

  /**
   * Waits until `predicate()` is true (checked first, then after each wake-up),
   * at most `timeout` **seconds** in all. Returns the predicate's last value.
   */
  waitFor<T>(predicate: () => T, timeout?: number | null): T {
    if (typeof predicate !== "function") throw argError("waitFor()", "predicate", "a function", predicate);
    const t = checkTimeout("waitFor()", timeout, true);
    const end = deadline(t);
    let result = predicate();
    while (!result) {
      const left = secondsLeft(end);
      if (left === 0) break;
      this.wait(left);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` threads waiting on this condition, first come first served.
   * @throws {RuntimeError} "cannot notify on un-acquired lock".
   */
  notify(n = 1): void {
    if (!isOwned(this.#lock)) throw new RuntimeError("cannot notify on un-acquired lock");
    if (typeof n !== "number" || Number.isNaN(n)) throw argError("notify()", "n", "a number", n);
    this.notifyHeld(n);
  }

  /** @internal notify() for callers that know they hold the lock (the queue): no ownership probe. */
  notifyHeld(n: number): void {
    const q = this.#q;
    const len = Atomics.load(q, LEN);
    if (len === 0) return;
    const waiters = sharedState().waiters;
    const k = Math.max(0, Math.min(len, Math.floor(n)));
    // Take entries from the front: wake live waiters until k are woken; drop dead ones on the way.
    let taken = 0;
    for (let woken = 0; woken < k && taken < len; taken++) {
      const slot = Atomics.load(q, 1 + taken * ENTRY);
      if (threadWord(slot) !== Atomics.load(q, 2 + taken * ENTRY)) continue; // its thread has ended
      if (Atomics.exchange(waiters, slot, 1) === ASLEEP) Atomics.notify(waiters, slot);
      woken++;
    }
    q.copyWithin(1, 1 + taken * ENTRY, 1 + len * ENTRY);
    Atomics.store(q, LEN, len - taken);
  }

  /** Wakes every waiting thread. */
  notifyAll(): void {
    this.notify(Atomics.load(this.#q, LEN));
  }

  /** Takes this thread's entry off the queue (it timed out or was interrupted); the lock is held. */
  #remove(slot: number, word: number): void {
    const q = this.#q;
    const len = Atomics.load(q, LEN);
    for (let i = 0; i < len; i++) {
      if (Atomics.load(q, 1 + i * ENTRY) === slot && Atomics.load(q, 2 + i * ENTRY) === word) {
        q.copyWithin(1 + i * ENTRY, 1 + (i + 1) * ENTRY, 1 + len * ENTRY);
        Atomics.store(q, LEN, len - 1);
        return;
      }
    }
  }

  /** Drops the entries of threads that have ended (a full queue may hold some); the lock is held. */
  #dropDead(): void {
    const q = this.#q;
    const len = Atomics.load(q, LEN);
    let kept = 0;
    for (let i = 0; i < len; i++) {
      const slot = Atomics.load(q, 1 + i * ENTRY);
      const word = Atomics.load(q, 2 + i * ENTRY);
      if (threadWord(slot) !== word) continue;
      Atomics.store(q, 1 + kept * ENTRY, slot);
      Atomics.store(q, 2 + kept * ENTRY, word);
      kept++;
    }
    Atomics.store(q, LEN, kept);
  }

  toString(): string {
    return `<Condition(${String(this.#lock)}, ${Atomics.load(this.#q, LEN)})>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "Condition", state: { sab: this.sab, lock: this.#lock[HANDLE](), label: this.#label } };
  }
}

registerHandleType("Condition", (s) => {
  const { sab, lock, label } = s as { sab: SharedArrayBuffer; lock: Handle; label: Label };
  const theLock = revive(lock) as AnyLock;
  building = { sab, label };
  try {
    return new Condition(theLock);
  } finally {
    building = undefined;
  }
});
