/**
 * Spinning before sleeping, for every wait in threadlab that often ends within
 * microseconds (a worker waiting for its next task, a start() waiting for its
 * thread, a join, a contended lock, a Condition or a Queue in step with its
 * other side). A hand-off between two running threads costs about 1.5 µs; one
 * through a futex sleep and wake-up 30-60 µs on this kind of VM, and once one
 * side sleeps the other often misses its spin too, so a miss costs ~150 µs.
 * A waiter that spins for about as long as a miss costs, then sleeps, never
 * loses more than twice the best (measured: 50 µs spins left 200-300 sleeps
 * per 1000 start+joins after an idle pause, 200 µs ones 15-60).
 *
 * Spinning burns a core, so it is bounded by what the machine has:
 *
 * - **time**: a spin lasts at most SPIN_US microseconds of wall time (not a
 *   count of loop turns, which a loaded or slower machine stretches);
 * - **cores**: a thread spins only while the process's running threads (its
 *   isolates, the main one and every worker, less those asleep in a wait:
 *   `C.SLEEPING`, kept by `futexWait` below), the spinner included, fit in the
 *   cores the process may use, `C.SPIN_CORES`. That starts at the machine's
 *   cores, and the supervisor lowers it while other processes keep cores busy
 *   (`measureLoad` in worker/supervisor.ts): so a spinner never takes a core
 *   a running thread, ours or another program's, could have had. Waits that
 *   do not go through `futexWait` count as running, which only spins less.
 *   When the cores are full, a spin still lasts FULL_SPIN_US (10 µs): a partner
 *   that runs hands off within that, and on a VM a futex sleep and wake-up costs
 *   more CPU than that spin (measured with two busy loops on 2 cores: 1000
 *   start+joins 230 µs -> 50 µs each, the lock example 0.136 -> 0.088 CPU s).
 */
import { C } from "./layout";
import { sharedState } from "./buffers";

/** How long one spin may last, in microseconds (THREADLAB_SPIN_US; 0 turns spinning off). */
export const SPIN_US = Number(process.env.THREADLAB_SPIN_US ?? 200);
/** How long it may last when the cores are full (THREADLAB_FULL_SPIN_US). */
export const FULL_SPIN_US = Number(process.env.THREADLAB_FULL_SPIN_US ?? 10);

/**
 * Spins until `done()` returns true or the spin's time is up; returns whether
 * `done()` came true. When the process's running threads fill the cores it
 * may use, the spin is a short one (FULL_SPIN_US).
 */
export function spinUntil(done: () => boolean): boolean {
  if (SPIN_US <= 0) return done();
  const c = sharedState().counters;
  const running = Atomics.load(c, C.WORKERS_ALIVE) + 1 - Atomics.load(c, C.SLEEPING);
  const full = running > Atomics.load(c, C.SPIN_CORES);
  const until = performance.now() + (full ? Math.min(SPIN_US, FULL_SPIN_US) : SPIN_US) / 1000;
  for (let n = 1; ; n++) {
    if (done()) return true;
    // Reading the clock costs more than a turn of the loop: every 32nd turn.
    if ((n & 31) === 0 && performance.now() > until) return done();
  }
}

/** `Atomics.wait`, counted in `C.SLEEPING` while it sleeps (every blocking wait of threadlab goes through it). */
export function futexWait(arr: Int32Array, index: number, expected: number, ms: number): "ok" | "not-equal" | "timed-out" {
  const c = sharedState().counters;
  Atomics.add(c, C.SLEEPING, 1);
  try {
    return Atomics.wait(arr, index, expected, ms);
  } finally {
    Atomics.sub(c, C.SLEEPING, 1);
  }
}

/** Sets how many cores the process's running threads may fill before a waiter stops spinning (the supervisor, from the machine's load). */
export function setSpinCores(n: number): void {
  Atomics.store(sharedState().counters, C.SPIN_CORES, Math.max(0, n));
}
