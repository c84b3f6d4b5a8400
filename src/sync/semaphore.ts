/**
 * `Semaphore` and `BoundedSemaphore`, as Python's: a counter guarded by a
 * `Condition` on a plain `Lock`, as CPython builds them.
 */
import { MAX_COUNT, OverflowError, ValueError, argError, checkCount, takesAtMost } from "../errors";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { Condition } from "./condition";
import { WAIT } from "../state/waits";
import { Lock, isOptions, syncName, withAcquired, type SyncOptions } from "./lock";
import { checkTimeout, deadline, secondsLeft } from "./wait";
import { traceWait, waitDone } from "../state/trace";

const VALUE = 0;
const INITIAL = 1;

interface SemaphoreState {
  sab: SharedArrayBuffer;
  cond: unknown;
}

/** The state for the next semaphore to be built on (a handle's); module-private, so user code cannot pass one. */
let building: { sab: SharedArrayBuffer; cond: Condition } | undefined;

export class Semaphore {
  /** @internal */ readonly words: Int32Array;
  /** @internal */ readonly cond: Condition;

  /**
   * @param value the initial count. @default 1
   * @param options `{ name }`: the name dumpThreads() shows for a thread waiting on it.
   * @throws {ValueError} "semaphore initial value must be >= 0".
   * @throws {TypeError} when `value` is not a whole number; {OverflowError} above 2**31 - 1.
   */
  constructor(value = 1, ...rest: [] | [options: SyncOptions]) {
    const state = building;
    building = undefined;
    if (state) {
      this.words = new Int32Array(state.sab);
      this.cond = state.cond;
      return;
    }
    const where = `${new.target.name}()`;
    if (rest.length > 0 && !isOptions(rest)) throw takesAtMost(where, 1, 1 + rest.length);
    checkCount(where, "value", value);
    if (value < 0) throw new ValueError("semaphore initial value must be >= 0");
    this.words = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(this.words, VALUE, value);
    Atomics.store(this.words, INITIAL, value);
    const name = syncName(where, new.target.name, rest[0]);
    this.cond = new Condition(new Lock({ name: `${name}.lock` })).labelled(WAIT.SEMAPHORE, name);
  }

  /** The name dumpThreads() shows for a thread waiting on it. */
  get name(): string {
    return this.cond.name;
  }

  /**
   * Takes one unit: at once if the count is above zero; otherwise waits for a
   * release (at most `timeout` **seconds**), or with `blocking = false` does not wait.
   * Returns whether it took one.
   */
  acquire(blocking = true, timeout: number | null = null): boolean {
    if (typeof blocking !== "boolean") throw argError("acquire()", "blocking", "a boolean", blocking);
    if (!blocking && timeout !== null && timeout !== undefined)
      throw new ValueError("can't specify timeout for non-blocking acquire");
    const end = deadline(checkTimeout("acquire()", timeout, true));
    return this.cond.with(() => {
      while (Atomics.load(this.words, VALUE) === 0) {
        if (!blocking) return false;
        const left = secondsLeft(end);
        if (left === 0) return false;
        traceWait("Semaphore", this, this.words.buffer as SharedArrayBuffer);
        waitDone(this.cond.wait(left));
      }
      Atomics.sub(this.words, VALUE, 1);
      return true;
    });
  }

  /**
   * Gives back `n` units, waking up to `n` waiting threads.
   * @throws {ValueError} "n must be one or more".
   */
  release(n = 1): void {
    if (typeof n !== "number" || !Number.isInteger(n)) throw argError("release()", "n", "a whole number", n);
    if (n < 1) throw new ValueError("n must be one or more");
    this.cond.with(() => {
      this.check(n);
      if (Atomics.load(this.words, VALUE) + n > MAX_COUNT) {
        throw new OverflowError(`release(${n}) would take the semaphore's value above ${MAX_COUNT}, the most threadlab keeps`);
      }
      Atomics.add(this.words, VALUE, n);
      this.cond.notify(n);
    });
  }

  /** @internal BoundedSemaphore's check. */
  protected check(n: number): void {
    void n;
  }

  /** Python's `with sem:`. */
  with<R>(fn: () => R): R {
    return withAcquired(this, fn);
  }

  /** The current count (Python's `_value`). */
  get value(): number {
    return Atomics.load(this.words, VALUE);
  }

  toString(): string {
    return `<${this.constructor.name} value=${this.value}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    // A user's subclass crosses as the threadlab class it extends.
    const type = this instanceof BoundedSemaphore ? "BoundedSemaphore" : "Semaphore";
    return { type, state: { sab: this.words.buffer, cond: this.cond[HANDLE]() } };
  }
}

/** A semaphore whose count may never go above its initial value. */
export class BoundedSemaphore extends Semaphore {
  /** @throws {ValueError} "Semaphore released too many times". */
  protected override check(n: number): void {
    if (Atomics.load(this.words, VALUE) + n > Atomics.load(this.words, INITIAL)) {
      throw new ValueError("Semaphore released too many times");
    }
  }

  override toString(): string {
    return `<BoundedSemaphore value=${this.value}/${Atomics.load(this.words, INITIAL)}>`;
  }
}

function reviveCondition(h: unknown): Condition {
  return revive(h as Handle) as Condition;
}

for (const Cls of [Semaphore, BoundedSemaphore]) {
  registerHandleType(Cls.name, (s) => {
    const st = s as SemaphoreState;
    building = { sab: st.sab, cond: reviveCondition(st.cond) };
    try {
      return new Cls();
    } finally {
      building = undefined;
    }
  });
}
