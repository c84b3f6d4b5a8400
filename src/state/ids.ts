/** Process-wide numbers, drawn from shared counters so that every thread draws from the same sequence. */
import { sharedState } from "./buffers";
import { C } from "./layout";

/** A new thread identifier. */
export function nextIdent(): number {
  return Atomics.add(sharedState().counters, C.NEXT_IDENT, 1);
}

/** The main thread's identifier. */
export function mainIdent(): number {
  return Atomics.load(sharedState().counters, C.MAIN_IDENT);
}

/** The next number for a default thread name (`Thread-N`), one counter for all threads. */
export function nextThreadNumber(): number {
  return Atomics.add(sharedState().counters, C.NEXT_THREAD_NUMBER, 1);
}

/** A new process-wide id, for objects such as `local` that need one across threads. */
export function nextObjectId(): number {
  return Atomics.add(sharedState().counters, C.NEXT_OBJECT_ID, 1);
}
