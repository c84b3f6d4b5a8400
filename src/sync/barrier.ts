/**
 * `Barrier`, as Python's `threading.Barrier`: `parties` threads wait until all
 * have arrived, then all go on. Built on a `Condition` as CPython's is, with
 * its state and count in shared memory. The `action` runs once per round, in
 * the last thread to arrive; it travels to that thread as source, like a target.
 */
import { BrokenBarrierError, ValueError, argError, checkCount, takesAtMost } from "../errors";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { MAX_THREADS } from "../state/layout";
import { mySlot } from "../state/me";
import { rebuildSync } from "../transport/rebuild";
import { buildProgram, callerLookup, refuseDetachedMethod } from "../transport/programs";
import type { Program } from "../transport/resolve";
import { Condition, threadWord } from "./condition";
import { WAIT } from "../state/waits";
import { Lock, syncName } from "./lock";
import { checkTimeout } from "./wait";
import { traceWait, waitDone } from "../state/trace";

// Int32 words, then the default timeout (a Float64 at byte 16, -1: none), then the threads in the
// barrier now: one (wait-word slot, thread word) pair each, as Condition keeps its waiters, so that a
// thread that dies while it waits (shutdown() stops daemons) can be told apart and no longer counts.
const STATE = 0;
const COUNT = 1; // how many pairs follow
const PARTIES = 2;
const TIMEOUT_AT = 16;
const ARRIVALS_AT = 24;
const MAX_IN = MAX_THREADS + 1;
const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

interface BarrierState {
  sab: SharedArrayBuffer;
  cond: Handle;
  action: Program | null;
}

/** The state for the next `Barrier` to be built on (a handle's); module-private, so user code cannot pass one. */
let building: BarrierState | undefined;

export class Barrier {
  readonly #w: Int32Array;
  readonly #timeout: Float64Array;
  readonly #cond: Condition;
  #action: (() => unknown) | null;
  readonly #program: Program | null;

  /**
   * @param parties how many threads must call `wait()` before all of them go on.
   * @param action run by one of the threads (the last to arrive) each time the barrier opens.
   * @param timeout default timeout of `wait()`, in **seconds**.
   * @throws {ValueError} "parties must be >= 1".
   * @throws {TypeError} for arguments of the wrong type; {OverflowError} for parties above 2**31 - 1.
   */
  constructor(parties: number, action?: (() => unknown) | null, timeout?: number | null, ...rest: []) {
    const state = building;
    building = undefined;
    if (state) {
      this.#w = new Int32Array(state.sab);
      this.#timeout = new Float64Array(state.sab, TIMEOUT_AT, 1);
      this.#cond = revive(state.cond) as Condition;
      this.#program = state.action;
      this.#action = null;
      return;
    }
    if (rest.length > 0) throw takesAtMost("Barrier()", 3, 3 + rest.length);
    checkCount("Barrier()", "parties", parties);
    if (parties < 1) throw new ValueError("parties must be >= 1");
    refuseDetachedMethod(action, "Barrier()");
    if (action !== undefined && action !== null && typeof action !== "function")
      throw argError("Barrier()", "action", "a function", action);
    const t = checkTimeout("Barrier()", timeout, true);
    const sab = new SharedArrayBuffer(ARRIVALS_AT + MAX_IN * 2 * 4);
    this.#w = new Int32Array(sab);
    this.#timeout = new Float64Array(sab, TIMEOUT_AT, 1);
    Atomics.store(this.#w, PARTIES, parties);
    this.#timeout[0] = t === null ? -1 : Math.max(0, t); // written once, before any other thread sees it
    const name = syncName("Barrier()", "Barrier", undefined);
    this.#cond = new Condition(new Lock({ name: `${name}.lock` }), { name }).labelled(WAIT.BARRIER, name);
    this.#action = action ?? null;
    const caller = callerLookup();
    this.#program = action ? buildProgram(action, "the action of a Barrier", caller) : null;
  }

  /**
   * Waits until all parties have called `wait()`, at most `timeout` **seconds**
   * (default: the barrier's timeout). Returns a distinct index from 0 to parties - 1.
   * @throws {BrokenBarrierError} if the barrier is broken, aborted or reset while waiting, or the wait times out.
   */
  wait(timeout?: number | null): number {
    let t = checkTimeout("wait()", timeout, true);
    if (t === null && this.#timeout[0] >= 0) t = this.#timeout[0];
    return this.#cond.with(() => {
      this.#enter();
      const index = this.#arrive();
      try {
        if (index + 1 === this.parties) this.#release();
        else this.#wait(t);
        return index;
      } finally {
        this.#leave();
        this.#exit();
      }
    });
  }

  #enter(): void {
    this.#dropDead();
    while (Atomics.load(this.#w, STATE) === RESETTING || Atomics.load(this.#w, STATE) === DRAINING) {
      this.#cond.wait(1); // and look again for threads that died while they drained
      this.#dropDead();
    }
    if (Atomics.load(this.#w, STATE) < 0) throw new BrokenBarrierError();
  }

  /** Counts this thread in; returns how many were in before it (its index). */
  #arrive(): number {
    const n = Atomics.load(this.#w, COUNT);
    const me = mySlot();
    const at = ARRIVALS_AT / 4 + n * 2;
    Atomics.store(this.#w, at, me);
    Atomics.store(this.#w, at + 1, threadWord(me));
    Atomics.store(this.#w, COUNT, n + 1);
    return n;
  }

  /** Counts this thread out. */
  #leave(): void {
    const n = Atomics.load(this.#w, COUNT);
    const me = mySlot();
    const word = threadWord(me);
    for (let i = 0; i < n; i++) {
      const at = ARRIVALS_AT / 4 + i * 2;
      if (Atomics.load(this.#w, at) === me && Atomics.load(this.#w, at + 1) === word) {
        this.#removeAt(i, n);
        return;
      }
    }
  }

  #removeAt(i: number, n: number): void {
    const at = ARRIVALS_AT / 4 + i * 2;
    const last = ARRIVALS_AT / 4 + (n - 1) * 2;
    Atomics.store(this.#w, at, Atomics.load(this.#w, last));
    Atomics.store(this.#w, at + 1, Atomics.load(this.#w, last + 1));
    Atomics.store(this.#w, COUNT, n - 1);
  }

  /** Counts out the threads that ended while in the barrier (stopped by shutdown()); the lock is held. */
  #dropDead(): void {
    let n = Atomics.load(this.#w, COUNT);
    let dropped = false;
    for (let i = n - 1; i >= 0; i--) {
      const at = ARRIVALS_AT / 4 + i * 2;
      if (threadWord(Atomics.load(this.#w, at)) !== Atomics.load(this.#w, at + 1)) {
        this.#removeAt(i, n--);
        dropped = true;
      }
    }
    if (dropped) this.#exit();
  }

  #release(): void {
    try {
      if (this.#program) (this.#action ??= rebuildSync(this.#program) as () => unknown)();
      Atomics.store(this.#w, STATE, DRAINING);
      this.#cond.notifyAll();
    } catch (err) {
      this.#break();
      throw err;
    }
  }

  #wait(timeout: number | null): void {
    traceWait("Barrier", this, this.#w.buffer as SharedArrayBuffer);
    if (!waitDone(this.#cond.waitFor(() => Atomics.load(this.#w, STATE) !== FILLING, timeout))) {
      this.#break();
      throw new BrokenBarrierError();
    }
    if (Atomics.load(this.#w, STATE) < 0) throw new BrokenBarrierError();
  }

  #exit(): void {
    if (Atomics.load(this.#w, COUNT) === 0) {
      const s = Atomics.load(this.#w, STATE);
      if (s === RESETTING || s === DRAINING) {
        Atomics.store(this.#w, STATE, FILLING);
        this.#cond.notifyAll();
      }
    }
  }

  #break(): void {
    Atomics.store(this.#w, STATE, BROKEN);
    this.#cond.notifyAll();
  }

  /** Returns the barrier to its empty state; threads waiting on it get BrokenBarrierError. */
  reset(): void {
    this.#cond.with(() => {
      this.#dropDead();
      if (Atomics.load(this.#w, COUNT) > 0) {
        const s = Atomics.load(this.#w, STATE);
        if (s === FILLING || s === BROKEN) Atomics.store(this.#w, STATE, RESETTING);
      } else Atomics.store(this.#w, STATE, FILLING);
      this.#cond.notifyAll();
    });
  }

  /** Breaks the barrier: waiting and future `wait()` calls throw BrokenBarrierError until `reset()`. */
  abort(): void {
    this.#cond.with(() => this.#break());
  }

  /** How many threads must arrive. */
  get parties(): number {
    return Atomics.load(this.#w, PARTIES);
  }

  /** How many threads wait now. */
  get nWaiting(): number {
    return this.#cond.with(() => {
      this.#dropDead();
      return Atomics.load(this.#w, STATE) === FILLING ? Atomics.load(this.#w, COUNT) : 0;
    });
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return Atomics.load(this.#w, STATE) === BROKEN;
  }

  toString(): string {
    if (this.broken) return "<Barrier broken>";
    return `<Barrier waiters=${this.nWaiting}/${this.parties}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return {
      type: "Barrier",
      state: {
        sab: this.#w.buffer as SharedArrayBuffer,
        cond: this.#cond[HANDLE](),
        action: this.#program,
      } satisfies BarrierState,
    };
  }
}

registerHandleType("Barrier", (s) => {
  building = s as BarrierState;
  try {
    return new Barrier(1);
  } finally {
    building = undefined;
  }
});
