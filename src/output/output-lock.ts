/**
 * The process-wide output lock, which records who holds it.
 *
 * The word holds 0 when free, else the holder's id, plus WAITERS when some
 * thread may sleep on it (Drepper's mutex 3 again, with an owner in the word).
 * A worker can die while it writes (terminated by shutdown(), out of memory);
 * its `finally` never runs, so the supervisor calls `releaseIfHeldBy` with the
 * dead worker's id, or every later `print` would wait forever.
 */
import { sharedState, workerSetup } from "../state/buffers";
import { C } from "../state/layout";
import { waitWord } from "../sync/wait";

const WAITERS = 1 << 30;
const SPIN = 100;

/** This thread's holder id: 1 for main, 2 + index for pool workers. */
const me = workerSetup ? (workerSetup.index >= 0 ? workerSetup.index + 2 : 0x3ffffffe) : 1;

export function holderIdOfWorker(index: number): number {
  return index + 2;
}

function word(): Int32Array {
  return sharedState().counters;
}

export function acquireOutput(): void {
  const w = word();
  let c = Atomics.compareExchange(w, C.OUTPUT_LOCK, 0, me);
  if (c === 0) return;
  for (let i = 0; i < SPIN; i++) {
    if (Atomics.load(w, C.OUTPUT_LOCK) === 0 && (c = Atomics.compareExchange(w, C.OUTPUT_LOCK, 0, me)) === 0) return;
  }
  for (;;) {
    c = Atomics.load(w, C.OUTPUT_LOCK);
    if (c === 0) {
      // Taken after sleeping: others may still sleep, so keep the waiters mark.
      if (Atomics.compareExchange(w, C.OUTPUT_LOCK, 0, me | WAITERS) === 0) return;
      continue;
    }
    if (!(c & WAITERS) && Atomics.compareExchange(w, C.OUTPUT_LOCK, c, c | WAITERS) !== c) continue;
    waitWord(w, C.OUTPUT_LOCK, c | WAITERS, 100);
  }
}

export function releaseOutput(): void {
  const prev = Atomics.exchange(word(), C.OUTPUT_LOCK, 0);
  if (prev & WAITERS) Atomics.notify(word(), C.OUTPUT_LOCK, 1);
}

/** Frees the lock if the holder `id` died holding it. Returns whether it did. */
export function releaseIfHeldBy(id: number): boolean {
  const w = word();
  const c = Atomics.load(w, C.OUTPUT_LOCK);
  if ((c & ~WAITERS) !== id) return false;
  if (Atomics.compareExchange(w, C.OUTPUT_LOCK, c, 0) !== c) return false;
  Atomics.notify(w, C.OUTPUT_LOCK);
  return true;
}
