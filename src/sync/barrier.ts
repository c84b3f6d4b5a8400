/**
 * `Barrier`, as Python's `threading.Barrier`: `parties` threads wait until all
 * have arrived, then all go on. Built on a `Condition` as CPython's is, with
 * its state and count in shared memory. The `action` runs once per round, in
 * the last thread to arrive; it travels to that thread as source, like a target.
 */
import { BrokenBarrierError, ValueError, argError } from "../errors";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { rebuildSync } from "../transport/rebuild";
import { buildProgram, refuseDetachedMethod, type Program } from "../transport/resolve";
import { callerLookup } from "../transport/imports";
import { Condition } from "./condition";
import { Lock } from "./lock";
import { checkTimeout } from "./wait";

const STATE = 0;
const COUNT = 1;
const PARTIES = 2;
const TIMEOUT_MS = 3; // -1: none
const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

interface BarrierState {
  sab: SharedArrayBuffer;
  cond: Handle;
  action: Program | null;
}

export class Barrier {
  readonly #w: Int32Array;
  readonly #cond: Condition;
  #action: (() => unknown) | null;
  readonly #program: Program | null;

  /**
   * @param parties how many threads must call `wait()` before all of them go on.
   * @param action run by one of the threads (the last to arrive) each time the barrier opens.
   * @param timeout default timeout of `wait()`, in **seconds**.
   * @throws {ValueError} "parties must be >= 1".
   */
  constructor(parties: number, action?: (() => unknown) | null, timeout?: number | null, state?: BarrierState) {
    if (state) {
      this.#w = new Int32Array(state.sab);
      this.#cond = revive(state.cond) as Condition;
      this.#program = state.action;
      this.#action = null;
      return;
    }
    if (typeof parties !== "number" || !Number.isInteger(parties))
      throw argError("Barrier()", "parties", "a whole number", parties);
    if (parties < 1) throw new ValueError("parties must be >= 1");
    refuseDetachedMethod(action, "Barrier()");
    if (action !== undefined && action !== null && typeof action !== "function")
      throw argError("Barrier()", "action", "a function", action);
    const t = checkTimeout("Barrier()", timeout, true);
    this.#w = new Int32Array(new SharedArrayBuffer(16));
    Atomics.store(this.#w, PARTIES, parties);
    Atomics.store(this.#w, TIMEOUT_MS, t === null ? -1 : Math.round(Math.max(0, t) * 1000));
    this.#cond = new Condition(new Lock());
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
    if (t === null && Atomics.load(this.#w, TIMEOUT_MS) >= 0) t = Atomics.load(this.#w, TIMEOUT_MS) / 1000;
    return this.#cond.with(() => {
      this.#enter();
      const index = Atomics.add(this.#w, COUNT, 1);
      try {
        if (index + 1 === this.parties) this.#release();
        else this.#wait(t);
        return index;
      } finally {
        Atomics.sub(this.#w, COUNT, 1);
        this.#exit();
      }
    });
  }

  #enter(): void {
    while (Atomics.load(this.#w, STATE) === RESETTING || Atomics.load(this.#w, STATE) === DRAINING) this.#cond.wait();
    if (Atomics.load(this.#w, STATE) < 0) throw new BrokenBarrierError();
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
    if (!this.#cond.waitFor(() => Atomics.load(this.#w, STATE) !== FILLING, timeout)) {
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
    return Atomics.load(this.#w, STATE) === FILLING ? Atomics.load(this.#w, COUNT) : 0;
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

registerHandleType("Barrier", (s) => new Barrier(1, null, null, s as BarrierState));
