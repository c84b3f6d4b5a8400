/**
 * `Lock`: a futex-style mutex on one shared Int32 word.
 *
 * The word is 0 when unlocked; locked, it holds the holder's thread code
 * (state/me.ts: its slot and the slot's generation) shifted left by 2, bit 0
 * set, and bit 1 when there may be waiters. This is mutex 3 of Ulrich
 * Drepper's "Futexes Are Tricky" with the holder in the word: acquire takes
 * 0→holder with one CAS when free; otherwise it sets the waiters bit and
 * sleeps on the word; release swaps in 0 and wakes one sleeper only if the
 * bit was set. A short spin before sleeping catches a lock that is released
 * within microseconds. So any thread can tell who holds a lock, at no cost to
 * the fast path.
 *
 * A thread about to sleep writes its wait record (state/waits.ts) and looks
 * for a deadlock (sync/deadlock.ts). It sleeps in slices, and after each it
 * looks whether the holder died without releasing (out of memory,
 * process.exit(), stopped by shutdown()): then one acquirer frees the lock and
 * raises RuntimeError, and the lock is usable again.
 */
import { RuntimeError, ValueError, argError, checkOptions, takesNoArguments } from "../errors";
import { sharedState } from "../state/buffers";
import { C } from "../state/layout";
import { codeSlot, myCode } from "../state/me";
import { spinSite, spinUntil } from "../state/spin";
import { DEATH, WAIT, beginWait, codeDeath, endWait, setWaitHolder, slotName } from "../state/waits";
import { BlockedWait } from "./deadlock";
import { checkTimeout, deadline, remaining, waitWord } from "./wait";
import { BINDING_NAME, HANDLE, registerHandleType, type Handle } from "../state/handle";
import { traceWait, waitDone } from "../state/trace";

/** Where acquire() spins for the lock (state/spin.ts). */
const LOCK_SPIN = spinSite();

export interface LockState {
  sab: SharedArrayBuffer;
  offset: number; // byte offset of the word
  /** Its name in reports and dumpThreads(); the owner's (an RLock's) for a lock inside another object. */
  name?: string;
  /** The kind of object its waits are reported as (WAIT.LOCK, or WAIT.RLOCK for an RLock's). */
  kind?: number;
  /** Whether `name` is a default one ("Lock#3"), which the name of a variable it travels by replaces. */
  auto?: boolean;
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

/** Options of Lock, RLock, Condition, Semaphore and Event. */
export interface SyncOptions {
  /** The name reports and dumpThreads() show. @default the kind and a number, e.g. "Lock#3" */
  name?: string;
}

/**
 * @internal The name an object gets: the option's, checked, or "Kind#N" with N counted per process.
 * @throws {TypeError} when `name` is not a string.
 */
export function syncName(where: string, kind: string, options: SyncOptions | undefined): string {
  const { name } = checkOptions<SyncOptions>(where, options, ["name"]);
  if (name !== undefined && typeof name !== "string") throw argError(where, "name", "a string", name);
  return name ?? `${kind}#${Atomics.add(sharedState().counters, C.NEXT_SYNC_NUMBER, 1) + 1}`;
}

/**
 * Whether `args` is one options object (`new Lock({ name })`) rather than a
 * positional argument: a plain object with no key but `name`.
 */
export function isOptions(args: unknown[]): args is [SyncOptions] {
  const o = args[0];
  return (
    args.length === 1 &&
    typeof o === "object" &&
    o !== null &&
    Object.getPrototypeOf(o) === Object.prototype &&
    Object.keys(o).every((k) => k === "name")
  );
}

const DIED: Record<number, string> = {
  [DEATH.OUT_OF_MEMORY]: "died (out of memory)",
  [DEATH.EXIT]: "called process.exit()",
  [DEATH.SHUTDOWN]: "was stopped by shutdown()",
};

/**
 * A primitive lock, as Python's `threading.Lock`: not owned by any thread,
 * so any thread may release it.
 */
export class Lock {
  /** @internal */ readonly word: Int32Array;
  /** @internal */ readonly state: LockState;

  /**
   * @param options `{ name }`: the name deadlock reports and dumpThreads() show.
   * @throws {TypeError} "Lock() takes no arguments (1 given)" for anything but one options object.
   */
  constructor(...args: [] | [options: SyncOptions]) {
    const state = building;
    building = undefined;
    if (args.length > 0 && !isOptions(args)) throw takesNoArguments("Lock()", args.length);
    this.state = state ?? {
      sab: new SharedArrayBuffer(4),
      offset: 0,
      name: syncName("Lock()", "Lock", args[0]),
      kind: WAIT.LOCK,
      auto: args[0]?.name === undefined,
    };
    this.word = new Int32Array(this.state.sab, this.state.offset, 1);
  }

  /** The name deadlock reports and dumpThreads() show. */
  get name(): string {
    return this.state.name ?? "Lock";
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
    const me = (myCode() << 2) | 1;
    if (Atomics.compareExchange(w, 0, 0, me) === 0) return true;
    if (!blocking) return false;
    return this.#wait(me, t);
  }

  /** The slow path: spin, then sleep in slices until the lock is free (or the time is up). */
  #wait(me: number, t: number | null): boolean {
    const w = this.word;
    traceWait("Lock", this, this.state.sab, true);
    // A lock its holder takes again spins too: it is often a signal another thread is about to release.
    if (spinUntil(() => Atomics.load(w, 0) === 0 && Atomics.compareExchange(w, 0, 0, me) === 0, LOCK_SPIN)) return waitDone(true);
    const end = deadline(t);
    let recorded = false;
    const blocked = new BlockedWait();
    try {
      for (;;) {
        let c = Atomics.load(w, 0);
        if (c === 0) {
          // Taken after sleeping: keep the waiters bit, others may sleep still.
          if (Atomics.compareExchange(w, 0, 0, me | 2) === 0) return waitDone(true);
          continue;
        }
        if (!(c & 2)) {
          // Mark "maybe waiters" before sleeping so that release knows to wake us.
          if (Atomics.compareExchange(w, 0, c, c | 2) !== c) continue;
          c |= 2;
        }
        const holder = c >>> 2;
        const death = codeDeath(holder);
        if (death !== DEATH.NONE) {
          if (Atomics.compareExchange(w, 0, c, 0) !== c) continue;
          Atomics.notify(w, 0, 1);
          waitDone(false);
          throw new RuntimeError(
            `lock was held by thread '${slotName(codeSlot(holder))}', which ${DIED[death]} without releasing it`,
          );
        }
        if (!recorded) {
          beginWait(this.state.kind ?? WAIT.LOCK, this.name, holder, t !== null);
          recorded = true;
          blocked.check(true);
        } else blocked.check(setWaitHolder(holder));
        const left = remaining(end);
        if (left === 0) return waitDone(false);
        blocked.slept(waitWord(w, 0, c, blocked.slice(left)));
      }
    } finally {
      if (recorded) endWait();
    }
  }

  /**
   * Releases the lock; any thread may release it.
   * @throws {RuntimeError} "release unlocked lock" when the lock is not locked.
   */
  release(): void {
    const prev = Atomics.exchange(this.word, 0, 0);
    if (prev === 0) throw new RuntimeError("release unlocked lock");
    if (prev & 2) Atomics.notify(this.word, 0, 1);
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

  /** @internal Takes the name of the variable it travels to a thread by, if it has no name of its own. */
  [BINDING_NAME](name: string): void {
    if (!this.state.auto) return;
    this.state.name = name;
    this.state.auto = false;
  }

  /** @internal The code of the thread holding it (state/me.ts), 0 when free. */
  holder(): number {
    return Atomics.load(this.word, 0) >>> 2;
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
