/**
 * `Condition`, as Python's `threading.Condition`, built as CPython builds it:
 * it borrows its lock's release-save / acquire-restore, and keeps a FIFO of
 * waiters. Each thread has one wait word in shared memory; `wait()` queues
 * this thread's word (under the lock), releases the lock, sleeps on the word;
 * `notify(n)` pops n waiters (under the lock), sets their words and wakes
 * them. So notify(n) wakes at most n threads, in the order they waited, and a
 * waiter that times out takes itself off the queue.
 */
import { RuntimeError, argError } from "../errors";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { sharedState } from "../state/buffers";
import { mySlot } from "../state/me";
import { Lock, withAcquired } from "./lock";
import { RLock } from "./rlock";
import { checkTimeout, deadline, remaining, secondsLeft, waitWord } from "./wait";

/** How many threads may wait on one Condition at once. */
export const MAX_WAITERS = 1024;
const LEN = 0;
const SPIN = 4000;
const ASLEEP = 2;

type AnyLock = Lock | RLock;

function isOwned(lock: AnyLock): boolean {
  if (lock instanceof RLock) return lock.isOwned();
  // CPython's way for a plain Lock: if we can take it, nobody (so not us) held it.
  if (lock.acquire(false)) {
    lock.release();
    return false;
  }
  return true;
}

export class Condition {
  /** @internal */ readonly sab: SharedArrayBuffer;
  readonly #q: Int32Array;
  readonly #lock: AnyLock;

  /**
   * @param lock the lock to use: a `Lock` or an `RLock`. @default a new RLock, as in Python
   */
  constructor(lock?: AnyLock | null, sab?: SharedArrayBuffer) {
    if (lock !== undefined && lock !== null && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw argError("Condition()", "lock", "a Lock or an RLock", lock);
    }
    this.#lock = lock ?? new RLock();
    this.sab = sab ?? new SharedArrayBuffer((MAX_WAITERS + 1) * 4);
    this.#q = new Int32Array(this.sab);
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
    const len = Atomics.load(this.#q, LEN);
    if (len >= MAX_WAITERS) throw new RuntimeError(`too many threads waiting on one Condition (at most ${MAX_WAITERS})`);
    Atomics.store(waiters, me, 0);
    Atomics.store(this.#q, 1 + len, me);
    Atomics.store(this.#q, LEN, len + 1);
    const saved = this.#lock instanceof RLock ? this.#lock.releaseSave() : (this.#lock.release(), 0);
    let interrupted: Error | undefined;
    try {
      const end = deadline(t === null ? null : Math.max(0, t));
      // A notify often comes within microseconds (a producer and a consumer in step): spin a
      // little before sleeping, as the Lock does; a futex sleep and wake-up cost ~10-20 µs.
      for (let i = 0; i < SPIN && Atomics.load(waiters, me) === 0; i++);
      // Say "asleep" (2) before sleeping, so that a notifier makes the wake-up syscall only then.
      if (Atomics.compareExchange(waiters, me, 0, ASLEEP) === 0) {
        while (Atomics.load(waiters, me) === ASLEEP) {
          const left = remaining(end);
          if (left === 0) break;
          waitWord(waiters, me, ASLEEP, left);
        }
      }
    } catch (err) {
      interrupted = err as Error; // KeyboardInterrupt: leave the queue, re-acquire, then rethrow
    } finally {
      if (this.#lock instanceof RLock) this.#lock.acquireRestore(saved);
      else this.#lock.acquire();
    }
    const notified = Atomics.load(waiters, me) === 1;
    if (!notified) this.#remove(me);
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
    if (Atomics.load(this.#q, LEN) === 0) return;
    const waiters = sharedState().waiters;
    const len = Atomics.load(this.#q, LEN);
    const k = Math.max(0, Math.min(len, Math.floor(n)));
    for (let i = 0; i < k; i++) {
      const slot = Atomics.load(this.#q, 1 + i);
      if (Atomics.exchange(waiters, slot, 1) === ASLEEP) Atomics.notify(waiters, slot);
    }
    this.#q.copyWithin(1, 1 + k, 1 + len);
    Atomics.store(this.#q, LEN, len - k);
  }

  /** Wakes every waiting thread. */
  notifyAll(): void {
    this.notify(Atomics.load(this.#q, LEN));
  }

  #remove(slot: number): void {
    const len = Atomics.load(this.#q, LEN);
    for (let i = 0; i < len; i++) {
      if (Atomics.load(this.#q, 1 + i) === slot) {
        this.#q.copyWithin(1 + i, 2 + i, 1 + len);
        Atomics.store(this.#q, LEN, len - 1);
        return;
      }
    }
  }

  toString(): string {
    return `<Condition(${String(this.#lock)}, ${Atomics.load(this.#q, LEN)})>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "Condition", state: { sab: this.sab, lock: this.#lock[HANDLE]() } };
  }
}

registerHandleType("Condition", (s) => {
  const { sab, lock } = s as { sab: SharedArrayBuffer; lock: Handle };
  return new Condition(revive(lock) as AnyLock, sab);
});
