/**
 * The worker state machine: one state word per worker slot (W.STATE), read
 * and changed by the main thread (claiming workers), the supervisor (spawning
 * and reaping them) and each worker itself. Every change of state goes
 * through one of the named transitions below.
 *
 *     FREE ──spawn──▶ BOOTING ──booted──▶ IDLE ◀──────────── finished ──┐
 *       ▲      └─spawn(claimed)─▶ CLAIMED ◀──claim── IDLE                │
 *       │                         CLAIMED ──post──▶ RUN ────────────────┘
 *       │                         CLAIMED ──giveBack──▶ IDLE
 *       ├──freed── EXITED ◀──exited── (any state, when the worker's process ends)
 *       └──freed── LEFT ◀──leave── IDLE (idle too long, trimmed)
 *
 * A starter that wins IDLE→CLAIMED owns the worker until it posts the task
 * and stores RUN; so two starters never place tasks on one worker.
 */
import { sharedState } from "../state/buffers";
import { C, MAX_WORKERS, W } from "../state/layout";
import { futexWait } from "../state/spin";

/** Worker states. */
export const WS = {
  FREE: 0, // no worker in this slot
  BOOTING: 1, // spawned, not yet waiting for work
  IDLE: 2, // waiting for work; a starter may claim it
  CLAIMED: 3, // a starter owns it and is posting the task
  RUN: 4, // the task is posted; the worker takes and runs it
  EXITED: 5, // dead (or its thread called process.exit()); the supervisor frees the slot
  LEFT: 6, // exited after idling too long; the supervisor frees the slot
} as const;

export type WorkerState = (typeof WS)[keyof typeof WS];

const word = (index: number) => index * W.STRIDE + W.STATE;
const workers = () => sharedState().workers;

/** The state of worker `index` now. */
export function stateOf(index: number): WorkerState {
  return Atomics.load(workers(), word(index)) as WorkerState;
}

/** Whether the worker in slot `index` is gone (or the slot is empty). */
export function isGone(state: WorkerState): boolean {
  return state === WS.FREE || state === WS.EXITED || state === WS.LEFT;
}

/**
 * Worker: sleeps while it is in `state`, at most `ms` milliseconds. It says so in W.ASLEEP first, so
 * that a starter makes the wake-up call only for a worker that sleeps (one that spins sees the new
 * state by itself): the starter stores the state, then reads ASLEEP; this stores ASLEEP, then the
 * wait reads the state; so at least one of them sees the other's store.
 */
export function sleepWhile(index: number, state: WorkerState, ms: number): "ok" | "not-equal" | "timed-out" {
  const w = workers();
  Atomics.store(w, index * W.STRIDE + W.ASLEEP, 1);
  try {
    return futexWait(w, word(index), state, ms);
  } finally {
    Atomics.store(w, index * W.STRIDE + W.ASLEEP, 0);
  }
}

/** Starter: wakes worker `index` if it sleeps (see sleepWhile). */
function wake(index: number): void {
  if (Atomics.load(workers(), index * W.STRIDE + W.ASLEEP) === 1) Atomics.notify(workers(), word(index));
}

/** Supervisor: takes a free slot for a new worker, in BOOTING (a spare) or CLAIMED (for a task). Returns -1 if none. */
export function spawnInto(state: typeof WS.BOOTING | typeof WS.CLAIMED): number {
  const w = workers();
  for (let n = 0; n < MAX_WORKERS; n++) {
    if (Atomics.compareExchange(w, word(n), WS.FREE, state) === WS.FREE) return n;
  }
  return -1;
}

/** Worker: it has booted and waits for work (BOOTING→IDLE). Returns whether it was booting. */
export function booted(index: number): boolean {
  return Atomics.compareExchange(workers(), word(index), WS.BOOTING, WS.IDLE) === WS.BOOTING;
}

/** Starter: takes an idle worker (IDLE→CLAIMED). Returns whether it won it. */
export function claim(index: number): boolean {
  return Atomics.compareExchange(workers(), word(index), WS.IDLE, WS.CLAIMED) === WS.IDLE;
}

/** Starter: gives back a worker it claimed but will not use (CLAIMED→IDLE). */
export function giveBack(index: number): void {
  Atomics.store(workers(), word(index), WS.IDLE);
  wake(index);
}

/** Starter: the task is posted on the worker's port; wake the worker to run it (CLAIMED→RUN). */
export function post(index: number): void {
  Atomics.store(workers(), word(index), WS.RUN);
  wake(index);
}

/** Worker: its thread has ended; it waits for the next task (RUN→IDLE). */
export function finished(index: number): void {
  Atomics.store(workers(), word(index), WS.IDLE);
}

/** Worker: idle too long, it leaves the pool (IDLE→LEFT). Returns whether no starter claimed it first. */
export function leave(index: number): boolean {
  return Atomics.compareExchange(workers(), word(index), WS.IDLE, WS.LEFT) === WS.IDLE;
}

/** Worker: its process is ending (any state→EXITED; a worker that left stays LEFT). */
export function exited(index: number): void {
  if (stateOf(index) !== WS.LEFT) Atomics.store(workers(), word(index), WS.EXITED);
}

/**
 * Tells the starters waiting for a worker (pool.ts, waitForWorker) to look again: one became idle,
 * or died as it started. A waiter counts itself in IDLE_WAITERS before it reads the epoch.
 */
export function wakeStarters(): void {
  const counters = sharedState().counters;
  Atomics.add(counters, C.IDLE_EPOCH, 1);
  if (Atomics.load(counters, C.IDLE_WAITERS) > 0) Atomics.notify(counters, C.IDLE_EPOCH);
}

/** Whether worker `index` has booted: its start-up ran to the end (it set its OS thread id; entry.ts). */
export function hasBooted(index: number): boolean {
  return Atomics.load(workers(), index * W.STRIDE + W.TID) !== 0;
}

/** Supervisor: the worker is gone; the slot is free for a new one (→FREE). */
export function freed(index: number): void {
  Atomics.store(workers(), word(index), WS.FREE);
  Atomics.notify(workers(), word(index));
}
