/**
 * Who is calling: the ident and the wait-word slot of the thread running this
 * code, and its thread code (the slot and its generation in one number: what
 * a Lock's word holds of its holder). A pool worker sets them when it starts
 * running a thread and clears them when the thread ends; outside a thread
 * they are the main thread's.
 */
import { mainIdent } from "./ids";
import { MAX_THREADS } from "./layout";

let running: { ident: number; slot: number; code: number } | undefined;

/** Bits of a thread code that hold the slot + 1 (the main thread's slot, MAX_THREADS, fits too). */
export const CODE_SLOT_BITS = 13;
const SLOT_MASK = (1 << CODE_SLOT_BITS) - 1;
/** The generation bits a code keeps: 17, so that a code shifted by 2 fits an Int32 word. */
export const CODE_GEN_MASK = 0x1ffff;

/** The thread code of thread slot `slot` whose slot word (generation << 1 | alive) is `word`. */
export function threadCode(slot: number, word: number): number {
  return (((word >>> 1) & CODE_GEN_MASK) << CODE_SLOT_BITS) | (slot + 1);
}

/** The thread slot a code names (MAX_THREADS for the main thread). */
export function codeSlot(code: number): number {
  return (code & SLOT_MASK) - 1;
}

/** The slot generation a code names. */
export function codeGeneration(code: number): number {
  return code >>> CODE_SLOT_BITS;
}

const MAIN_CODE = MAX_THREADS + 1;

/** The calling thread's code (see threadCode). */
export function myCode(): number {
  return running?.code ?? MAIN_CODE;
}

/** The calling thread's identifier. */
export function myIdent(): number {
  return running?.ident ?? mainIdent();
}

/** The index of the calling thread's wait word (the main thread has the last one, MAX_THREADS). */
export function mySlot(): number {
  return running?.slot ?? MAX_THREADS;
}

/** Sets (or, with undefined, clears) the thread this isolate runs now. */
export function setMe(thread: { ident: number; slot: number; word: number } | undefined): void {
  running = thread && { ident: thread.ident, slot: thread.slot, code: threadCode(thread.slot, thread.word) };
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
