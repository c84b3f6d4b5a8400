/**
 * The registry of live threads: one slot per alive thread in shared memory,
 * seen by every thread. It is what `enumerate()`, `activeCount()` and
 * `join()` read, whichever thread asks.
 *
 * A slot's word holds `(generation << 1) | alive`, so a joiner waits on the
 * exact value it saw: a slot that is freed and reused for another thread
 * changes the word and wakes the joiner instead of trapping it.
 */
import { RuntimeError } from "../errors";
import { sharedState } from "../state/buffers";
import { monotonicMs } from "../state/clock";
import { C, MAX_THREADS, NAME_BYTES, T, W } from "../state/layout";
import { threadSched } from "../state/sched";
import { spinSite, spinUntil } from "../state/spin";
import { waitWord } from "../sync/wait";

/** Where start() spins for its thread to begin, then to block or end (state/spin.ts). */
const STARTED_SPIN = spinSite();
const YIELDED_SPIN = spinSite();

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let hint = 0;

export interface SlotRef {
  slot: number;
  word: number; // the slot word while the thread is alive: (generation << 1) | 1
}

/** Takes a free slot and marks the thread alive; counts it as non-daemon if so. */
export function allocSlot(ident: number, name: string, daemon: boolean): SlotRef {
  const s = sharedState();
  for (let n = 0; n < MAX_THREADS; n++) {
    const slot = (hint + n) % MAX_THREADS;
    const i = slot * T.STRIDE;
    const cur = Atomics.load(s.threads, i + T.STATE);
    if (cur & 1) continue;
    const word = (((cur >>> 1) + 1) << 1) | 1;
    if (Atomics.compareExchange(s.threads, i + T.STATE, cur, word) !== cur) continue;
    hint = slot + 1;
    Atomics.store(s.threads, i + T.IDENT, ident);
    Atomics.store(s.threads, i + T.DAEMON, daemon ? 1 : 0);
    Atomics.store(s.threads, i + T.WORKER, -1);
    Atomics.store(s.threads, i + T.STARTED, 0);
    Atomics.store(s.threads, i + T.YIELDED, 0);
    Atomics.store(s.threads, i + T.DEATH, 0);
    writeName(slot, name);
    Atomics.add(s.counters, C.ALIVE_THREADS, 1);
    if (!daemon) Atomics.add(s.counters, C.NON_DAEMON_ALIVE, 1);
    return { slot, word };
  }
  throw new RuntimeError(`can't start new thread: ${MAX_THREADS} threads are already alive`);
}

/**
 * Marks the thread in `ref` finished and wakes its joiners. Safe to call twice
 * (the worker and the supervisor may both report a death): only the call that
 * still finds the alive word changes anything. Returns whether this call did.
 */
export function finishSlot(ref: SlotRef): boolean {
  const s = sharedState();
  const i = ref.slot * T.STRIDE;
  if (Atomics.load(s.threads, i + T.STATE) !== ref.word) return false;
  const daemon = Atomics.load(s.threads, i + T.DAEMON) === 1;
  // Count the thread out before its joiners can see it ended, so that after join()
  // activeCount() no longer includes it (as in Python); undo if another caller won.
  Atomics.sub(s.counters, C.ALIVE_THREADS, 1);
  if (!daemon) Atomics.sub(s.counters, C.NON_DAEMON_ALIVE, 1);
  if (Atomics.compareExchange(s.threads, i + T.STATE, ref.word, ref.word & ~1) !== ref.word) {
    Atomics.add(s.counters, C.ALIVE_THREADS, 1);
    if (!daemon) Atomics.add(s.counters, C.NON_DAEMON_ALIVE, 1);
    return false;
  }
  Atomics.notify(s.threads, i + T.STATE);
  Atomics.notify(s.threads, i + T.STARTED); // a start() still waiting for a thread that ended first
  Atomics.notify(s.threads, i + T.YIELDED);
  if (!daemon) Atomics.notify(s.counters, C.NON_DAEMON_ALIVE);
  return true;
}

/** Marks the thread in `ref` as running its function, and wakes the `start()` that waits for it. */
export function markStarted(ref: SlotRef): void {
  const s = sharedState();
  const i = ref.slot * T.STRIDE + T.STARTED;
  Atomics.store(s.threads, i, 1);
  Atomics.notify(s.threads, i);
}

/** Marks that the thread in `ref` has blocked for the first time (see `waitStarted`). */
export function markYielded(ref: SlotRef): void {
  const s = sharedState();
  const i = ref.slot * T.STRIDE + T.YIELDED;
  if (Atomics.load(s.threads, i) === 1) return;
  Atomics.store(s.threads, i, 1);
  Atomics.notify(s.threads, i);
}

/** How long a new thread runs before its `start()` returns, unless it blocks or ends first: CPython's switch interval. */
export const SWITCH_MS = 5;
/** How long start() waits at first before it asks the OS how long the thread has run. */
const FIRST_LOOK_MS = 0.5;
/** The longest start() waits for a thread that is kept from running (a starved machine). */
const SWITCH_CAP_MS = 1000;

/** Waits while `words[i]` is 0 and the thread in `ref` lives, at most `ms`; true if either changed. */
function waitForFlag(words: Int32Array, i: number, ref: SlotRef, ms: number): boolean {
  const state = ref.slot * T.STRIDE + T.STATE;
  const end = monotonicMs() + ms;
  while (Atomics.load(words, i) === 0 && Atomics.load(words, state) === ref.word) {
    const left = end - monotonicMs();
    if (left <= 0) return false;
    // The thread's end changes STATE, not this flag, and finishSlot wakes both.
    waitWord(words, i, 0, Math.min(left, 50));
  }
  return true;
}

/** The OS thread id of the worker that runs the thread in `ref` (0 if not known). */
function workerTid(ref: SlotRef): number {
  const s = sharedState();
  const worker = Atomics.load(s.threads, ref.slot * T.STRIDE + T.WORKER);
  return worker >= 0 ? Atomics.load(s.workers, worker * W.STRIDE + W.TID) : 0;
}

/**
 * What `start()` waits for, as CPython's: the new thread has begun running its
 * function (CPython waits on the thread's `_started` event). Then, as a new
 * CPython thread keeps the GIL until it first blocks, this waits until the
 * thread first blocks, ends, or has run for SWITCH_MS — so a program that
 * starts a thread and then prints sees the thread's first line first, as it
 * would in CPython, while threads still run in parallel from then on.
 *
 * SWITCH_MS counts the time the thread ran, as the OS reports it, not the time
 * that passed: on a busy machine the new thread may wait for a core, and a
 * CPython thread that waits for a core keeps the GIL meanwhile. A thread the OS
 * reports asleep (in a system call: a synchronous read, a child process) has
 * let go, as CPython's calls release the GIL around a blocking call.
 */
export function waitStarted(ref: SlotRef): void {
  const s = sharedState();
  const i = ref.slot * T.STRIDE;
  const alive = () => Atomics.load(s.threads, i + T.STATE) === ref.word;
  if (!spinUntil(() => Atomics.load(s.threads, i + T.STARTED) === 1 || !alive(), STARTED_SPIN)) {
    waitForFlag(s.threads, i + T.STARTED, ref, Infinity);
  }
  const yielded = () => Atomics.load(s.threads, i + T.YIELDED) === 1 || !alive();
  if (spinUntil(yielded, YIELDED_SPIN) || waitForFlag(s.threads, i + T.YIELDED, ref, FIRST_LOOK_MS)) return;
  // The thread has run at most FIRST_LOOK_MS (plus the spin) before this look.
  const tid = workerTid(ref);
  const first = threadSched(tid);
  const begun = monotonicMs();
  if (waitForFlag(s.threads, i + T.YIELDED, ref, SWITCH_MS - FIRST_LOOK_MS) || !first) return;
  while (!yielded() && monotonicMs() - begun < SWITCH_CAP_MS) {
    const now = threadSched(tid);
    if (!now || !now.runnable || now.ranMs - first.ranMs >= SWITCH_MS - FIRST_LOOK_MS) return;
    waitWord(s.threads, i + T.YIELDED, 0, 1);
  }
}

export function isSlotAlive(ref: SlotRef): boolean {
  return Atomics.load(sharedState().threads, ref.slot * T.STRIDE + T.STATE) === ref.word;
}

export function writeName(slot: number, name: string): void {
  const s = sharedState();
  const bytes = encoder.encode(name).subarray(0, NAME_BYTES);
  s.names.set(bytes, slot * NAME_BYTES);
  Atomics.store(s.threads, slot * T.STRIDE + T.NAME_LEN, bytes.length);
}

export interface SlotInfo extends SlotRef {
  ident: number;
  daemon: boolean;
  name: string;
  worker: number;
}

/** Reads every alive slot. */
export function aliveSlots(): SlotInfo[] {
  const s = sharedState();
  const out: SlotInfo[] = [];
  for (let slot = 0; slot < MAX_THREADS; slot++) {
    const i = slot * T.STRIDE;
    const word = Atomics.load(s.threads, i + T.STATE);
    if (!(word & 1)) continue;
    const len = Atomics.load(s.threads, i + T.NAME_LEN);
    out.push({
      slot,
      word,
      ident: Atomics.load(s.threads, i + T.IDENT),
      daemon: Atomics.load(s.threads, i + T.DAEMON) === 1,
      worker: Atomics.load(s.threads, i + T.WORKER),
      name: decoder.decode(s.names.slice(slot * NAME_BYTES, slot * NAME_BYTES + len)),
    });
  }
  return out;
}
