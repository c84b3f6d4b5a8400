/**
 * Who is calling: the ident and the wait-word slot of the thread running this
 * code. A pool worker sets them when it starts running a thread and clears
 * them when the thread ends; outside a thread they are the main thread's.
 */
import { mainIdent } from "./ids";
import { MAX_THREADS } from "./layout";

let running: { ident: number; slot: number } | undefined;

/** The calling thread's identifier. */
export function myIdent(): number {
  return running?.ident ?? mainIdent();
}

/** The index of the calling thread's wait word (the main thread has the last one, MAX_THREADS). */
export function mySlot(): number {
  return running?.slot ?? MAX_THREADS;
}

/** Sets (or, with undefined, clears) the thread this isolate runs now. */
export function setMe(thread: { ident: number; slot: number } | undefined): void {
  running = thread;
}

let onFirstWait: (() => void) | undefined;

/**
 * Sets what this thread does the first time it blocks (the worker tells its
 * starter that the new thread has given way, as a CPython thread gives up
 * the GIL when it first blocks).
 */
export function setFirstWait(hook: (() => void) | undefined): void {
  onFirstWait = hook;
}

/** Runs (once) what this thread does when it first blocks. */
export function firstWait(): void {
  if (onFirstWait) {
    const hook = onFirstWait;
    onFirstWait = undefined;
    hook();
  }
}
