/**
 * `Timer`, as Python's `threading.Timer`: a thread that waits `interval`
 * seconds on an `Event`, then calls its function unless `cancel()` set the
 * event first.
 */
import { argError } from "../errors";
import { Event } from "../sync/event";
import { checkTimeout } from "../sync/wait";
import { nextThreadNumber } from "./table";
import { Thread } from "./thread";

export class Timer<A extends unknown[] = unknown[]> extends Thread<A> {
  /** Set when the timer has run or was cancelled. */
  readonly finished = new Event();
  readonly interval: number;

  /**
   * @param interval seconds to wait before calling `fn`.
   * @param fn the function to call (sent to the thread as source, like a target).
   * @param args its arguments.
   */
  constructor(interval: number, fn: (...args: A) => unknown, args: A = [] as unknown as A) {
    if (typeof fn !== "function") throw argError("Timer()", "function", "a function", fn);
    super({ target: fn, args, name: `Thread-${nextThreadNumber()}` });
    const t = checkTimeout("Timer()", interval, true);
    if (t === null) throw argError("Timer()", "interval", "a number of seconds", interval);
    this.interval = t;
  }

  /** Stops the timer if it is still waiting: its function will not be called. */
  cancel(): void {
    this.finished.set();
  }

  protected override timerInfo(): { finished: unknown; interval: number } {
    return { finished: this.finished, interval: this.interval };
  }
}
