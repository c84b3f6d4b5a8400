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
/**
 * Python's SystemExit: what `process.exit()` throws in a thread, so that the
 * thread's `with` blocks and `finally`s run on the way out, as `sys.exit()`
 * unwinds a Python thread; the thread then ends quietly. Catch it only to
 * rethrow it (`if (e instanceof SystemExit) throw e`).
 */
export class SystemExit extends define("SystemExit") {
  /** The code given to `process.exit()` (a thread's exit code is not used, as in Python). */
  readonly code: number | string | null;
  constructor(code?: number | string | null) {
    super(`process.exit(${code ?? ""}) ends this thread`);
    this.code = code ?? null;
  }
}
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
  const err = data.name === "SystemExit" ? new SystemExit() : new Cls(data.message);
  err.message = data.message;
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

/** ``TypeError: Lock() takes no arguments (1 given)``, as CPython words it for a callable without parameters. */
export function takesNoArguments(where: string, given: number): TypeError {
  return new TypeError(`${where} takes no arguments (${given} given)`);
}

/** ``TypeError: Condition() takes at most 1 argument (2 given)``, as CPython words it. */
export function takesAtMost(where: string, most: number, given: number): TypeError {
  return new TypeError(`${where} takes at most ${most} argument${most === 1 ? "" : "s"} (${given} given)`);
}

/** The largest count threadlab keeps in one shared 32-bit word (a Semaphore's value, a Barrier's parties). */
export const MAX_COUNT = 2 ** 31 - 1;

/**
 * Checks a whole number that threadlab keeps in a shared 32-bit word: a
 * TypeError for anything but a whole number, an OverflowError above MAX_COUNT
 * (CPython has no such limit; it never silently wraps here either).
 */
export function checkCount(where: string, what: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw argError(where, what, "a whole number", value);
  if (value > MAX_COUNT) {
    throw new OverflowError(`${where} ${what} ${value} is too large: threadlab keeps it in a 32-bit word (at most ${MAX_COUNT})`);
  }
  return value;
}

/**
 * Checks an `options` argument: undefined (none) or a plain object whose keys
 * are all in `known`. Returns it ({} for undefined).
 */
export function checkOptions<T extends object>(
  where: string,
  options: Partial<T> | undefined,
  known: readonly string[],
): Partial<T> {
  if (options === undefined) return {};
  const example = `{ ${known.join(", ")} }`;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw argError(where, "options", `an object such as ${example}`, options);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new TypeError(`${where} got an unexpected keyword argument '${key}' (expected ${known.join(", ")})`);
  }
  return options;
}

/** Python's threading.BrokenBarrierError: the barrier was broken (aborted, reset, or a wait timed out). */
export class BrokenBarrierError extends RuntimeError {
  constructor(message?: string) {
    super(message);
    this.name = "BrokenBarrierError";
  }
}
ERROR_CLASSES.BrokenBarrierError = BrokenBarrierError;
