/**
 * `process.exit()` in a thread, as `sys.exit()` in a Python thread: it throws
 * SystemExit, so that the thread's `with` blocks and `finally`s run on the way
 * out (a Lock taken in `lock.with()` is released), and the thread then ends
 * quietly. While it unwinds, its worker's EXITING word is 1; the supervisor
 * stops a thread that is still running with it set a grace period later,
 * because it caught the SystemExit and went on (as process.exit() would have
 * stopped it). A thread that catches it on purpose and stores it, as an
 * executor stores it in a Future, clears the word.
 */
import { SystemExit } from "../errors";
import { sharedState, workerSetup } from "../state/buffers";
import { W } from "../state/layout";

/** How long a thread may go on after process.exit() before the supervisor stops it, in ms. */
export const EXIT_GRACE_MS = 2000;

function exitingWord(): number | undefined {
  const index = workerSetup?.index;
  return index !== undefined && index >= 0 ? index * W.STRIDE + W.EXITING : undefined;
}

/** Marks this worker's thread as unwinding from process.exit(). */
export function markExiting(): void {
  const i = exitingWord();
  if (i !== undefined) Atomics.store(sharedState().workers, i, 1);
}

/** This worker's thread is no longer unwinding: it ended, or its SystemExit was caught and kept on purpose. */
export function clearExiting(): void {
  const i = exitingWord();
  if (i !== undefined) Atomics.store(sharedState().workers, i, 0);
}

export { SystemExit };
