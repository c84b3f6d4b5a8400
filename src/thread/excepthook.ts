/**
 * The excepthook: what happens to an error a thread does not catch. The
 * default, as Python's, prints `Exception in thread NAME:` and the stack to
 * the thread's stderr (in the kernel, the cell that started the thread).
 */
import { formatException } from "../output/traceback";
import { argError } from "../errors";
import { buildProgram } from "../transport/programs";
import type { Program } from "../transport/resolve";
import { currentTask } from "./task";
import type { Thread } from "./thread";

/** What the excepthook receives, as Python's `threading.ExceptHookArgs`. */
export interface ExceptHookArgs {
  /** The error's class name, e.g. "TypeError" (Python: the exception type). */
  excType: string;
  /** The value thrown. */
  excValue: unknown;
  /** The stack as text, if the value has one. */
  excTraceback: string | null;
  /** The thread in which it was thrown. */
  thread: Thread | null;
}

export type Excepthook = (args: ExceptHookArgs) => void;

export { formatException, userStack } from "../output/traceback";

/** Python's default `threading.excepthook`: prints the error to stderr. */
export function excepthook(args: ExceptHookArgs): void {
  process.stderr.write(formatException(args));
}

let custom: Excepthook | null = null;

/**
 * Sets the function called with an `ExceptHookArgs` when a thread throws (as
 * assigning `threading.excepthook` in Python); null restores the default. The
 * hook runs in the thread that threw, so it travels as source like a target.
 */
export function setExcepthook(hook: Excepthook | null): void {
  if (hook !== null && typeof hook !== "function") throw argError("setExcepthook()", "hook", "a function or null", hook);
  custom = hook;
}

/** The excepthook in force: the custom one, or the default. */
export function getExcepthook(): Excepthook {
  return custom ?? excepthook;
}

/** The custom hook as a program for a thread being started (threads pass on the hook they got). */
export function excepthookProgram(caller: () => string | undefined): Program | null {
  if (custom) return buildProgram(custom, "the excepthook", caller);
  return currentTask()?.hook ?? null;
}
