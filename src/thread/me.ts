/** Who is calling: the ident and the wait-word slot of the thread running this code. */
import { MAX_THREADS } from "../sync/layout";
import { currentTask } from "./task";
import { mainIdent } from "./table";

export function myIdent(): number {
  return currentTask()?.ident ?? mainIdent();
}

/** The index of this thread's wait word (the main thread has the last one). */
export function mySlot(): number {
  return currentTask()?.ref.slot ?? MAX_THREADS;
}
