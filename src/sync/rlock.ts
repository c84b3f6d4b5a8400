/**
 * `RLock`, as Python's `threading.RLock`: a lock its owner may acquire again;
 * it is free when the owner has released it as many times. Built on `Lock`,
 * with the owner's ident and the count beside the lock word.
 */
import { RuntimeError, takesNoArguments } from "../errors";
import { BINDING_NAME, HANDLE, registerHandleType, type Handle } from "../state/handle";
import { myIdent } from "../state/me";
import { traceWait, waitDone } from "../state/trace";
import { WAIT } from "../state/waits";
import { checkLockArgs, isOptions, lockOn, syncName, withAcquired, type Lock, type SyncOptions } from "./lock";

const OWNER = 1;
const COUNT = 2;

interface RLockState {
  sab: SharedArrayBuffer;
  name: string;
  auto?: boolean;
}

/** The memory for the next `RLock` to be built on (a handle's); module-private, so user code cannot pass one. */
let building: RLockState | undefined;

export class RLock {
  /** @internal */ readonly sab: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #lock: Lock;

  readonly #state: RLockState;

  /**
   * @param options `{ name }`: the name deadlock reports and dumpThreads() show.
   * @throws {TypeError} "RLock() takes no arguments (1 given)" for anything but one options object.
   */
  constructor(...args: [] | [options: SyncOptions]) {
    const state = building;
    building = undefined;
    if (args.length > 0 && !isOptions(args)) throw takesNoArguments("RLock()", args.length);
    this.sab = state?.sab ?? new SharedArrayBuffer(12);
    this.#state = state ?? { sab: this.sab, name: syncName("RLock()", "RLock", args[0]), auto: args[0]?.name === undefined };
    this.#words = new Int32Array(this.sab);
    this.#lock = lockOn({ sab: this.sab, offset: 0, name: this.#state.name, kind: WAIT.RLOCK, auto: this.#state.auto });
  }

  /** The name deadlock reports and dumpThreads() show. */
  get name(): string {
    return this.#state.name;
  }

  /** @internal Takes the name of the variable it travels to a thread by, if it has no name of its own. */
  [BINDING_NAME](name: string): void {
    this.#lock[BINDING_NAME](name);
    if (!this.#state.auto) return;
    this.#state.name = name;
    this.#state.auto = false;
  }

  /**
   * Acquires the lock; if this thread already owns it, counts one more level and returns true at once.
   * Otherwise as `Lock.acquire`: blocks (at most `timeout` **seconds**, -1 = no limit), or with
   * `blocking = false` only tries. Returns whether it was acquired.
   */
  acquire(blocking = true, timeout: number = -1): boolean {
    checkLockArgs("acquire()", blocking, timeout);
    const me = myIdent();
    if (Atomics.load(this.#words, OWNER) === me) {
      Atomics.add(this.#words, COUNT, 1);
      return true;
    }
    traceWait("RLock", this, this.sab);
    if (!waitDone(this.#lock.acquire(blocking, timeout))) return false;
    Atomics.store(this.#words, OWNER, me);
    Atomics.store(this.#words, COUNT, 1);
    return true;
  }

  /**
   * Releases one level; the lock is free when the count reaches zero.
   * @throws {RuntimeError} "cannot release un-acquired lock" when this thread does not own it.
   */
  release(): void {
    if (Atomics.load(this.#words, OWNER) !== myIdent()) throw new RuntimeError("cannot release un-acquired lock");
    if (Atomics.sub(this.#words, COUNT, 1) === 1) {
      Atomics.store(this.#words, OWNER, 0);
      this.#lock.release();
    }
  }

  /** Whether some thread holds it. */
  locked(): boolean {
    return this.#lock.locked();
  }

  /** Python's `with rlock:`. */
  with<R>(fn: () => R): R {
    return withAcquired(this, fn);
  }

  /** @internal For Condition: whether the calling thread owns it. */
  isOwned(): boolean {
    return Atomics.load(this.#words, OWNER) === myIdent();
  }

  /** @internal For Condition.wait: release every level, returning what restores them. */
  releaseSave(): number {
    const count = Atomics.load(this.#words, COUNT);
    Atomics.store(this.#words, COUNT, 0);
    Atomics.store(this.#words, OWNER, 0);
    this.#lock.release();
    return count;
  }

  /** @internal Re-acquire after Condition.wait, with the saved count. */
  acquireRestore(count: number): void {
    this.#lock.acquire();
    Atomics.store(this.#words, OWNER, myIdent());
    Atomics.store(this.#words, COUNT, count);
  }

  toString(): string {
    const owner = Atomics.load(this.#words, OWNER);
    return `<${owner ? "locked" : "unlocked"} RLock object owner=${owner} count=${Atomics.load(this.#words, COUNT)}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "RLock", state: { sab: this.sab, name: this.name, auto: this.#state.auto } satisfies RLockState };
  }
}

registerHandleType("RLock", (state) => {
  building = state as RLockState;
  try {
    return new RLock();
  } finally {
    building = undefined;
  }
});
