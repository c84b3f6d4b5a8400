/** Who is calling: the ident and the wait-word slot of the thread running this code. */
import { MAX_THREADS } from "../sync/layout";
import { currentTask } from "./task";
import { callerFile } from "../transport/imports";
import { isPoolOwner, mainIdent } from "./table";

export function myIdent(): number {
  return currentTask()?.ident ?? mainIdent();
}

/** The index of this thread's wait word (the main thread has the last one). */
export function mySlot(): number {
  return currentTask()?.ref.slot ?? MAX_THREADS;
}

/**
 * How to find the file that starts a thread (or builds a Barrier action, submits a call):
 * read from the stack only when a name needs that file's imports. Only the main thread's
 * stack leads to a user's file; in a thread, names come from what the thread received.
 */
export function callerLookup(): () => string | undefined {
  return isPoolOwner ? () => callerFile(new Error().stack) : () => undefined;
}
