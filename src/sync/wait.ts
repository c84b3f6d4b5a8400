/**
 * Blocking waits that behave the same in every thread, the main one included.
 *
 * A worker simply blocks in `Atomics.wait`. The main thread blocks too, but in
 * slices, running the registered wait hooks between slices: the kernel uses a
 * hook to turn an interrupt into `KeyboardInterrupt`. A wake-up still ends the
 * wait at once; the slices only bound how late a hook runs.
 */
import { isMainThread } from "worker_threads";
import { argError, OverflowError, ValueError } from "../errors";
import { monotonicMs } from "../state/clock";
import { firstWait } from "../state/me";
import { futexWait } from "../state/spin";
import { traceBlocked, traceWait, waitDone } from "../state/trace";
import { WAIT, beginWait, endWait } from "../state/waits";

/** Largest timeout accepted, in seconds (as CPython's `threading.TIMEOUT_MAX` on Linux, rounded). */
export const TIMEOUT_MAX = 9223372036.0;

const hooks: Array<() => void> = [];
const SLICE_MS = 20;

/** Registers a function the main thread runs while it blocks (it may throw to end the wait). */
export function addMainWaitHook(hook: () => void): () => void {
  hooks.push(hook);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

export function runMainWaitHooks(): void {
  for (const hook of hooks) hook();
}

/**
 * Waits while `arr[index] === expected`, at most `timeoutMs` milliseconds
 * (Infinity for no limit). Returns "ok" when woken, "not-equal" when the word
 * had already changed, "timed-out" otherwise.
 */
export function waitWord(
  arr: Int32Array,
  index: number,
  expected: number,
  timeoutMs = Infinity,
): "ok" | "not-equal" | "timed-out" {
  firstWait();
  traceBlocked();
  if (!isMainThread || hooks.length === 0) return futexWait(arr, index, expected, timeoutMs);
  const end = timeoutMs === Infinity ? Infinity : monotonicMs() + timeoutMs;
  for (;;) {
    runMainWaitHooks();
    const left = end - monotonicMs();
    if (left <= 0) return Atomics.load(arr, index) === expected ? "timed-out" : "not-equal";
    const r = futexWait(arr, index, expected, Math.min(left, SLICE_MS));
    if (r !== "timed-out") return r;
  }
}

/** Milliseconds left until `end` (a `monotonicMs()` time, or Infinity). */
export function remaining(end: number): number {
  return end === Infinity ? Infinity : Math.max(0, end - monotonicMs());
}

/**
 * Seconds left until `end`, for a wait that takes a Python-style timeout:
 * null when there is no limit, 0 once the time is up.
 */
export function secondsLeft(end: number): number | null {
  return end === Infinity ? null : remaining(end) / 1000;
}

/** The `monotonicMs()` time at which `timeout` seconds from now end; Infinity for none. */
export function deadline(timeoutSeconds: number | null | undefined): number {
  if (timeoutSeconds === null || timeoutSeconds === undefined || timeoutSeconds === Infinity) return Infinity;
  return monotonicMs() + timeoutSeconds * 1000;
}

/**
 * Checks a Python-style timeout in seconds: `null`/`undefined` mean none.
 * Negative values are refused unless `allowNegative` (Condition.wait and
 * others take them as 0, as CPython does). NaN is a ValueError and anything
 * above TIMEOUT_MAX (Infinity too) an OverflowError, as in CPython: no
 * timeout is written `null`.
 */
export function checkTimeout(where: string, timeout: unknown, allowNegative = false): number | null {
  if (timeout === null || timeout === undefined) return null;
  if (typeof timeout !== "number") throw argError(where, "timeout", "a number of seconds or null", timeout);
  if (Number.isNaN(timeout)) throw new ValueError("Invalid value NaN (not a number)");
  if (timeout < 0 && !allowNegative) throw new ValueError("timeout value must be a non-negative number");
  if (timeout > TIMEOUT_MAX) throw new OverflowError("timeout value is too large");
  return timeout;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Suspends the calling thread for `seconds` seconds, as Python's `time.sleep`.
 * Only this thread stops: other threads run on, and in the main thread the
 * wait hooks keep running (so a kernel interrupt ends the sleep).
 *
 * @throws {ValueError} "sleep length must be non-negative" for a negative time.
 * @throws {TypeError} when `seconds` is not a number.
 */
export function sleep(seconds: number): void {
  if (typeof seconds !== "number") throw argError("sleep()", "seconds", "a number", seconds);
  if (Number.isNaN(seconds)) throw new ValueError("Invalid value NaN (not a number)");
  if (seconds < 0) throw new ValueError("sleep length must be non-negative");
  if (seconds > TIMEOUT_MAX) throw new OverflowError("sleep length is too large");
  traceWait("sleep", null, undefined, true);
  beginWait(WAIT.SLEEP, "");
  try {
    waitDone(waitWord(sleeper, 0, 0, seconds * 1000));
  } finally {
    endWait();
  }
}
