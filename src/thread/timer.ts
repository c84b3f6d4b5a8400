/**
 * `Timer`, as Python's `threading.Timer`: a Thread subclass whose `run()`
 * waits `interval` seconds on an Event, then calls its function unless
 * `cancel()` set the event first. The function travels to the thread as
 * source, as any function field of a Thread subclass does.
 */
import { argError, takesAtMost } from "../errors";
import { Event } from "../sync/event";
import { checkTimeout } from "../sync/wait";
import { refuseDetachedMethod } from "../transport/programs";
import { Thread } from "./thread";

export class Timer<A extends unknown[] = unknown[]> extends Thread {
  /** Seconds to wait before calling the function. */
  readonly interval: number;
  /** The function to call. */
  readonly function: (...args: A) => unknown;
  /** Its arguments. */
  readonly args: A;
  /** Set when the timer has run or was cancelled. */
  readonly finished = new Event();

  /**
   * @param interval seconds to wait before calling `fn`.
   * @param fn the function to call (sent to the thread as source, like a target).
   * @param args its arguments. @default []
   * @throws {TypeError} when `fn` is not a function or `interval` not a number of seconds.
   */
  constructor(interval: number, fn: (...args: A) => unknown, args: A = [] as unknown as A, ...rest: []) {
    if (rest.length > 0) throw takesAtMost("Timer()", 3, 3 + rest.length);
    if (typeof fn !== "function") throw argError("Timer()", "function", "a function", fn);
    refuseDetachedMethod(fn, "Timer()");
    const t = checkTimeout("Timer()", interval, true);
    if (t === null) throw argError("Timer()", "interval", "a number of seconds", interval);
    if (!Array.isArray(args)) throw argError("Timer()", "args", "an array of arguments", args);
    super();
    this.interval = t;
    this.function = fn;
    this.args = [...args] as unknown as A; // its own array: a shared object's array is frozen where it came from
  }

  /** Stops the timer if it is still waiting: its function will not be called. */
  cancel(): void {
    this.finished.set();
  }

  /** Waits out the interval, then calls the function unless the timer was cancelled. */
  override run(): void {
    this.finished.wait(this.interval);
    if (!this.finished.isSet()) this.function(...this.args);
    this.finished.set();
  }
}
