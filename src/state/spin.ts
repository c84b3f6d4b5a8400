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
 * - **what spinning has bought**: each place that spins (a `SpinSite`, one per
 *   kind of wait in each thread) learns from its spins. A spin whose partner
 *   made progress while it spun proves the partner runs on another core: the
 *   site spins SPIN_US again next time. A spin that ran out halves the site's
 *   next spin, down to FULL_SPIN_US; while it is short, every PROBE_EVERY-th
 *   spin is a full one again, in case the partner's wait got short again
 *   (each probe that runs out too makes them half as frequent, down to one
 *   in PROBE_MAX).
 *   Why: when the scheduler puts both sides of a hand-off on one core (it does,
 *   for a few milliseconds at a time, even with the other core idle), a spinner
 *   keeps its partner off the core for all of its spin and the spin cannot
 *   succeed: with fixed 200 µs spins, one start+join in ten cost ~500 µs (two
 *   spins run out), and on one core (taskset -c 0) nearly every one did:
 *   p50 472 µs, mean 459 µs; learning, p50 80 µs, mean 124-129 µs. (There
 *   the count of running threads misleads too: a worker just woken counts as
 *   asleep until it runs, so its starter thinks a core is free.) A spin that
 *   succeeds at once (done at the first look) says nothing and changes nothing.
 * - **one core**: a process whose CPU affinity allows one core never spins
 *   (p50 80 -> 55 µs there).
 */
import { sharedState } from "./buffers";
import { monotonicMs } from "./clock";
import { C } from "./layout";

/** How long one spin may last, in microseconds (THREADLAB_SPIN_US; 0 turns spinning off). */
export const SPIN_US = Number(process.env.THREADLAB_SPIN_US ?? 200);
/** How long it may last when the cores are full (THREADLAB_FULL_SPIN_US). */
export const FULL_SPIN_US = Number(process.env.THREADLAB_FULL_SPIN_US ?? 10);

/**
 * While a site's spins are short, every PROBE_EVERY-th one is a full spin (a power of two); each
 * full one that runs out too doubles that, up to PROBE_MAX (on one core every probe runs out).
 */
const PROBE_EVERY = 8;
const PROBE_MAX = 1024;

/** One place that spins, in one thread: how long its next spin may last, from how its last ones went. */
export interface SpinSite {
  /** Microseconds the next spin may last (FULL_SPIN_US..SPIN_US). */
  budgetUs: number;
  /** Spins made while the budget was short (for the probes). */
  shortSpins: number;
  /** A full spin every this many short ones (PROBE_EVERY..PROBE_MAX). */
  probeEvery: number;
}

/** A new place that spins (make one per kind of wait, at module level: each thread has its own). */
export function spinSite(): SpinSite {
  return { budgetUs: SPIN_US, shortSpins: 0, probeEvery: PROBE_EVERY };
}

/**
 * Spins until `done()` returns true or the spin's time is up; returns whether
 * `done()` came true. The spin lasts as long as `site` has learnt pays (see
 * above), and at most FULL_SPIN_US when the process's running threads fill
 * the cores it may use.
 */
export function spinUntil(done: () => boolean, site: SpinSite): boolean {
  if (done()) return true;
  if (SPIN_US <= 0) return false;
  const c = sharedState().counters;
  // A process that may use one core only (its CPU affinity) never spins: its partner cannot run meanwhile.
  if (Atomics.load(c, C.CORES) === 1) return false;
  const running = Atomics.load(c, C.WORKERS_ALIVE) + 1 - Atomics.load(c, C.SLEEPING);
  const full = running > Atomics.load(c, C.SPIN_CORES);
  const probe = site.budgetUs < SPIN_US && (++site.shortSpins & (site.probeEvery - 1)) === 0;
  const us = full ? Math.min(site.budgetUs, FULL_SPIN_US) : probe ? SPIN_US : site.budgetUs;
  if (spinFor(done, us)) {
    // The partner made progress while this spun: it runs on another core, spinning pays here.
    site.budgetUs = SPIN_US;
    site.probeEvery = PROBE_EVERY;
    return true;
  }
  // Run out with the cores full says nothing about a spin with cores to spare.
  if (!full) ranOut(site, probe);
  return false;
}

/**
 * The spin itself, apart from its bookkeeping: the loop V8 compiles on the stack as it
 * spins, in every thread, kept small (measured: a first 1000-thread run of the lock example
 * spent 10-16 ms of TurboFan time on each of 5 compiles of the loop with its bookkeeping).
 */
function spinFor(done: () => boolean, us: number): boolean {
  const until = monotonicMs() + us / 1000;
  for (let n = 1; ; n++) {
    if (done()) return true;
    // Reading the clock costs more than a turn of the loop: every 32nd turn.
    if ((n & 31) === 0 && monotonicMs() > until) return done();
  }
}

/** A spin ran out with cores to spare: the site's next spins are shorter (see above). */
function ranOut(site: SpinSite, probe: boolean): void {
  site.budgetUs = Math.max(Math.min(FULL_SPIN_US, SPIN_US), site.budgetUs / 2);
  if (probe) site.probeEvery = Math.min(PROBE_MAX, site.probeEvery * 2);
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
