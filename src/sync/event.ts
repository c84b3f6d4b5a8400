/**
 * `Event`, as Python's `threading.Event`: a flag that threads wait for, on a
 * `Condition` over a plain `Lock`.
 */
import { takesNoArguments } from "../errors";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { Condition } from "./condition";
import { WAIT } from "../state/waits";
import { Lock, isOptions, syncName, type SyncOptions } from "./lock";
import { checkTimeout } from "./wait";
import { traceWait, waitDone } from "../state/trace";

/** The state for the next `Event` to be built on (a handle's); module-private, so user code cannot pass one. */
let building: { sab: SharedArrayBuffer; cond: Condition } | undefined;

export class Event {
  readonly #flag: Int32Array;
  readonly #cond: Condition;

  /**
   * @param options `{ name }`: the name dumpThreads() shows for a thread waiting on it.
   * @throws {TypeError} "Event() takes no arguments (1 given)" for anything but one options object.
   */
  constructor(...args: [] | [options: SyncOptions]) {
    const state = building;
    building = undefined;
    if (args.length > 0 && !isOptions(args)) throw takesNoArguments("Event()", args.length);
    this.#flag = new Int32Array(state?.sab ?? new SharedArrayBuffer(4));
    if (state) this.#cond = state.cond;
    else {
      const name = syncName("Event()", "Event", args[0]);
      this.#cond = new Condition(new Lock({ name: `${name}.lock` })).labelled(WAIT.EVENT, name);
    }
  }

  /** The name dumpThreads() shows for a thread waiting on it. */
  get name(): string {
    return this.#cond.name;
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return Atomics.load(this.#flag, 0) === 1;
  }

  /** Sets the flag and wakes every waiting thread. */
  set(): void {
    this.#cond.with(() => {
      Atomics.store(this.#flag, 0, 1);
      this.#cond.notifyAll();
    });
  }

  /** Clears the flag; later `wait()`s block until `set()` again. */
  clear(): void {
    this.#cond.with(() => Atomics.store(this.#flag, 0, 0));
  }

  /**
   * Waits until the flag is set, at most `timeout` **seconds** (none: no limit).
   * Returns true if it was set — also when a `clear()` followed the `set()` that woke
   * this thread — and false on timeout.
   */
  wait(timeout?: number | null): boolean {
    const t = checkTimeout("wait()", timeout, true);
    return this.#cond.with(() => {
      let signaled = Atomics.load(this.#flag, 0) === 1;
      if (!signaled) signaled = (traceWait("Event", this, this.#flag.buffer as SharedArrayBuffer), waitDone(this.#cond.wait(t)));
      return signaled;
    });
  }

  toString(): string {
    return `<Event ${this.isSet() ? "set" : "unset"}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "Event", state: { sab: this.#flag.buffer, cond: this.#cond[HANDLE]() } };
  }
}

registerHandleType("Event", (s) => {
  const st = s as { sab: SharedArrayBuffer; cond: Handle };
  building = { sab: st.sab, cond: revive(st.cond) as Condition };
  try {
    return new Event();
  } finally {
    building = undefined;
  }
});
