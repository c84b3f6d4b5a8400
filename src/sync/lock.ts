/**
 * `Lock`: a futex-style mutex on one shared Int32 word.
 *
 * States: 0 unlocked, 1 locked with no waiters, 2 locked and maybe waiters.
 * This is mutex 3 of Ulrich Drepper's "Futexes Are Tricky": acquire takes
 * 0→1 with one CAS when free; otherwise it marks the word 2 and sleeps on it;
 * release swaps in 0 and wakes one sleeper only if the word was 2. A short
 * spin before sleeping catches a lock that is released within microseconds.
 */
import { RuntimeError, ValueError, argError, takesNoArguments } from "../errors";
import { spinUntil } from "../state/spin";
import { checkTimeout, deadline, remaining, waitWord } from "./wait";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { traceWait, waitDone } from "../state/trace";

export interface LockState {
  sab: SharedArrayBuffer;
  offset: number; // byte offset of the word
}

/** The state for the next `Lock` to be built on (see `lockOn`); module-private, so user code cannot pass one. */
let building: LockState | undefined;

/** @internal A Lock on a word that already exists (a handle's, or one inside another shared object). */
export function lockOn(state: LockState): Lock {
  building = state;
  try {
    return new Lock();
  } finally {
    building = undefined;
  }
}

/**
 * A primitive lock, as Python's `threading.Lock`: not owned by any thread,
 * so any thread may release it.
 */
export class Lock {
  /** @internal */ readonly word: Int32Array;
  /** @internal */ readonly state: LockState;

  /** @throws {TypeError} "Lock() takes no arguments (1 given)". */
  constructor(...args: []) {
    const state = building;
    building = undefined;
    if (args.length > 0) throw takesNoArguments("Lock()", args.length);
    this.state = state ?? { sab: new SharedArrayBuffer(4), offset: 0 };
    this.word = new Int32Array(this.state.sab, this.state.offset, 1);
  }

  /**
   * Acquires the lock.
   *
   * - `acquire()`: blocks until the lock is free, takes it, returns true.
   * - `acquire(false)`: takes the lock only if it is free now; returns whether it did.
   * - `acquire(true, timeout)`: waits at most `timeout` **seconds**; returns whether it got the lock.
   *   A timeout of -1 (the default) waits without limit.
   *
   * @throws {ValueError} "can't specify a timeout for a non-blocking call" for `acquire(false, t)` with t ≠ -1.
   * @throws {ValueError} "timeout value must be a non-negative number" for a negative timeout other than -1.
   * @throws {ValueError} "Invalid value NaN (not a number)" for a NaN timeout.
   * @throws {OverflowError} "timeout value is too large" above `TIMEOUT_MAX` (Infinity too: no limit is -1).
   */
  acquire(blocking = true, timeout: number = -1): boolean {
    const t = checkLockArgs("acquire()", blocking, timeout);
    const w = this.word;
    let c = Atomics.compareExchange(w, 0, 0, 1);
    if (c === 0) return true;
    if (!blocking) return false;
    traceWait("Lock", this, this.state.sab, true);
    if (spinUntil(() => Atomics.load(w, 0) === 0 && (c = Atomics.compareExchange(w, 0, 0, 1)) === 0)) return waitDone(true);
    const end = deadline(t);
    // Mark "maybe waiters" before sleeping so that release knows to wake us.
    if (c !== 2) c = Atomics.exchange(w, 0, 2);
    while (c !== 0) {
      const left = remaining(end);
      if (left === 0) return waitDone(false);
      waitWord(w, 0, 2, left);
      c = Atomics.exchange(w, 0, 2);
    }
    return waitDone(true);
  }

  /**
   * Releases the lock; any thread may release it.
   * @throws {RuntimeError} "release unlocked lock" when the lock is not locked.
   */
  release(): void {
    const prev = Atomics.exchange(this.word, 0, 0);
    if (prev === 0) throw new RuntimeError("release unlocked lock");
    if (prev === 2) Atomics.notify(this.word, 0, 1);
  }

  /** Whether the lock is held by some thread now. */
  locked(): boolean {
    return Atomics.load(this.word, 0) !== 0;
  }

  /**
   * Python's `with lock:`: acquires, runs `fn`, releases even if `fn` throws.
   * If `fn` returns a promise the lock is held until it settles.
   */
  with<R>(fn: () => R): R {
    return withAcquired(this, fn);
  }

  toString(): string {
    return `<${this.locked() ? "locked" : "unlocked"} Lock object>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "Lock", state: this.state };
  }
}

registerHandleType("Lock", (state) => lockOn(state as LockState));

/** Checks acquire's arguments the way CPython does; returns the timeout in seconds or null for none. */
export function checkLockArgs(where: string, blocking: unknown, timeout: unknown): number | null {
  if (typeof blocking !== "boolean") throw argError(where, "blocking", "a boolean", blocking);
  if (!blocking && timeout !== -1) throw new ValueError("can't specify a timeout for a non-blocking call");
  if (timeout === -1) return null;
  return checkTimeout(where, timeout);
}

/** Runs `fn` holding `lock` (anything with acquire/release); releases after a returned promise settles. */
export function withAcquired<R>(lock: { acquire(): boolean; release(): void }, fn: () => R): R {
  if (typeof fn !== "function") throw argError("with()", "fn", "a function to run while holding the lock", fn);
  lock.acquire();
  let result: R;
  try {
    result = fn();
  } catch (err) {
    lock.release();
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === "function") {
    return (result as unknown as Promise<unknown>).finally(() => lock.release()) as R;
  }
  lock.release();
  return result;
}
