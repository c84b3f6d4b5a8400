/**
 * Python-named error classes. Messages reuse CPython's wording so that users
 * can search for them; argument errors say what was expected and what came.
 */

function define(name: string, base: ErrorConstructor = Error) {
  const cls = class extends base {
    constructor(message?: string) {
      super(message);
      this.name = name;
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

/** Python's RuntimeError: an operation is not valid in the object's current state. */
export class RuntimeError extends define("RuntimeError") {}
/** Python's ValueError: an argument has the right type but a bad value. */
export class ValueError extends define("ValueError") {}
/** Python's OverflowError: a number does not fit where it must go. */
export class OverflowError extends define("OverflowError") {}
/** Python's IndexError: an index is out of range. */
export class IndexError extends define("IndexError") {}
/** Python's AttributeError: reading a name an object does not have (e.g. a `local` never set in this thread). */
export class AttributeError extends define("AttributeError") {}
/** Python's NameError: a thread's code uses a name that cannot be sent to the thread. */
export class NameError extends define("NameError") {}
/** Python's KeyboardInterrupt: a kernel interrupt ended a blocking wait. */
export class KeyboardInterrupt extends define("KeyboardInterrupt") {}
/** Python's KeyError: a dict has no such key. */
export class KeyError extends define("KeyError") {}
/** Python's queue.Empty: get() found no item (in time). */
export class Empty extends define("Empty") {}
/** Python's queue.Full: put() found no free place (in time). */
export class Full extends define("Full") {}
/** Python's queue.ShutDown (3.13): the queue was shut down. */
export class ShutDown extends define("ShutDown") {}
/** Python's concurrent.futures.CancelledError. */
export class CancelledError extends define("CancelledError") {}
/** Python's TimeoutError (concurrent.futures.TimeoutError): a result was not ready in time. */
export class TimeoutError extends define("TimeoutError") {}
/** Raised where a value cannot be sent to another thread (functions inside data, class instances, ...). */
export class DataCloneError extends define("DataCloneError", TypeError) {}

const ERROR_CLASSES: Record<string, new (message?: string) => Error> = {
  RuntimeError,
  ValueError,
  OverflowError,
  IndexError,
  AttributeError,
  NameError,
  KeyboardInterrupt,
  DataCloneError,
  TypeError,
  RangeError,
  Error,
};

/** Rebuilds an error from another thread with its class, message and stack. */
export function reviveError(data: { name: string; message: string; stack?: string }): Error {
  const Cls = ERROR_CLASSES[data.name] ?? Error;
  const err = new Cls(data.message);
  if (!(data.name in ERROR_CLASSES)) err.name = data.name;
  if (data.stack) err.stack = data.stack;
  return err;
}

/** How a value reads in an error message: `"a"` (string), `-1` (number). */
export function describe(value: unknown): string {
  let shown: string;
  if (typeof value === "string") shown = JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  else if (typeof value === "function") shown = `function ${value.name || "(anonymous)"}`;
  else if (typeof value === "bigint") shown = `${value}n`;
  else if (value === null || typeof value !== "object") shown = String(value);
  else if (Array.isArray(value)) shown = "[…]";
  else shown = `${value.constructor?.name ?? "Object"} {…}`;
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return `\`${shown}\` (${type})`;
}

/** ``TypeError: Thread() expected `name` to be a string, got `1` (number)``. */
export function argError(where: string, what: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${where} expected \`${what}\` to be ${expected}, got ${describe(got)}`);
}

/** Python's threading.BrokenBarrierError: the barrier was broken (aborted, reset, or a wait timed out). */
export class BrokenBarrierError extends RuntimeError {
  constructor(message?: string) {
    super(message);
    this.name = "BrokenBarrierError";
  }
}
ERROR_CLASSES.BrokenBarrierError = BrokenBarrierError;
