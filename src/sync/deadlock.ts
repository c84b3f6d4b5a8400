/**
 * Deadlock detection. A thread about to sleep on a lock or a join has written
 * what it waits for in its wait record (state/waits.ts); it then walks the
 * wait-for graph through the records: the lock's holder, what that thread
 * waits for and who holds that, and so on. If the walk comes back to the
 * walker, the threads on it wait for each other forever.
 *
 * Why the thread that blocks last sees the cycle: each thread writes its
 * record before it walks (sequentially consistent atomics), so of two threads
 * that block at the same moment at least one reads the other's record; and a
 * waiter whose lock changes hands is woken (its word changes) and walks again
 * with the new holder. So the cycle is found by the wait that closes it,
 * whether the others sleep in one piece (a worker) or in slices (the main thread).
 *
 * Policy, as Python: the threads go on waiting, and the cycle is reported once
 * on the stderr of each involved thread's output. `setDeadlockPolicy("raise")`
 * makes the wait that closes the cycle throw RuntimeError instead.
 */
import { RuntimeError, ValueError, describe } from "../errors";
import { sharedState } from "../state/buffers";
import { C, MAX_THREADS, T } from "../state/layout";
import { codeSlot, myCode, mySlot } from "../state/me";
import { WAIT, codeAlive, readWait, setWaitWhere, slotName, waitKind, waitSeq, type WaitRecord } from "../state/waits";
import { whereHere } from "../transport/stacks";

const POLICIES = ["report", "raise"] as const;
export type DeadlockPolicy = (typeof POLICIES)[number];

/**
 * Sets what a deadlock does: "report" (the default) prints it and the threads
 * keep waiting; "raise" makes the wait that closes the cycle throw
 * `RuntimeError: deadlock detected: ...`. Applies to every thread.
 * @throws {ValueError} for anything else.
 */
export function setDeadlockPolicy(policy: DeadlockPolicy): void {
  const n = POLICIES.indexOf(policy);
  if (n < 0) throw new ValueError(`deadlock policy must be 'report' or 'raise', not ${describe(policy)}`);
  Atomics.store(sharedState().counters, C.DEADLOCK_POLICY, n);
}

/** The deadlock policy in force. */
export function getDeadlockPolicy(): DeadlockPolicy {
  return POLICIES[Atomics.load(sharedState().counters, C.DEADLOCK_POLICY)] ?? "report";
}

/** Writes a report to the output of each thread slot named (each output once). */
export type DeadlockWriter = (text: string, slots: number[]) => void;
let writer: DeadlockWriter = (text) => process.stderr.write(text);

/** Sets how reports reach the threads' outputs (output/report.ts: their own cells in the kernel). */
export function setDeadlockWriter(w: DeadlockWriter): void {
  writer = w;
}

const KIND_NAMES: Record<number, string> = {
  [WAIT.LOCK]: "Lock",
  [WAIT.RLOCK]: "RLock",
  [WAIT.CONDITION]: "Condition",
  [WAIT.EVENT]: "Event",
  [WAIT.SEMAPHORE]: "Semaphore",
  [WAIT.QUEUE_GET]: "Queue",
  [WAIT.QUEUE_PUT]: "Queue",
  [WAIT.BARRIER]: "Barrier",
};

/** "Lock 'a'" for a record of that kind and name. */
export function describeObject(kind: number, name: string): string {
  return `${KIND_NAMES[kind] ?? "object"} '${name}'`;
}

/** The name of the thread a code names. */
export function codeName(code: number): string {
  return slotName(codeSlot(code));
}

/** "waits for Lock 'a' held by Thread-2 (worker)" / "joins Thread-3". */
function edge(rec: WaitRecord): string {
  if (rec.kind === WAIT.JOIN) return `joins ${codeName(rec.holder)}`;
  return `waits for ${describeObject(rec.kind, rec.name)} held by ${codeName(rec.holder)}`;
}

/** The waits of a cycle through the calling thread, from its own; undefined when there is none. */
function findCycle(): WaitRecord[] | undefined {
  const me = myCode();
  const path = [readWait(mySlot())];
  for (let n = 0; n < 256; n++) {
    const last = path[path.length - 1];
    if (last.kind !== WAIT.LOCK && last.kind !== WAIT.RLOCK && last.kind !== WAIT.JOIN) return undefined;
    if (last.timed) return undefined; // it ends by itself, and the cycle with it
    if (last.holder === me) break;
    if (last.holder === 0 || !codeAlive(last.holder)) return undefined;
    const slot = codeSlot(last.holder);
    if (path.some((r) => r.slot === slot)) return undefined; // a cycle of others: theirs to report
    path.push(readWait(slot));
  }
  // Every record read is still the same wait: the cycle existed at once, not a mix of moments.
  return path.every((r) => waitSeq(r.slot) === r.seq) ? path : undefined;
}

function hashCycle(path: WaitRecord[]): number {
  let h = 0x811c9dc5;
  for (const r of [...path].sort((a, b) => a.slot - b.slot)) {
    h = Math.imul(h ^ r.slot, 16777619);
    h = Math.imul(h ^ r.seq, 16777619);
  }
  return h | 0 || 1;
}

/** Waits (a little) for the other threads of a cycle to write where they wait; they do after their first slice. */
function wheres(path: WaitRecord[]): string[] {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 500;
  const mine = whereHere();
  return path.map((r, n) => {
    if (n === 0) return mine;
    let rec = readWait(r.slot);
    while (!rec.where && rec.seq === r.seq && Date.now() < until) {
      Atomics.wait(pause, 0, 0, 5);
      rec = readWait(r.slot);
    }
    return rec.where || "<unknown>";
  });
}

/**
 * Whether a thread other than `mine` runs now, outside any wait (the main thread too: in the
 * kernel, between cells, it may run a cell that releases a lock).
 */
function anotherRuns(mine: number): boolean {
  const threads = sharedState().threads;
  for (let slot = 0; slot <= MAX_THREADS; slot++) {
    if (slot === mine) continue;
    if (slot < MAX_THREADS && !(Atomics.load(threads, slot * T.STRIDE + T.STATE) & 1)) continue;
    if (waitKind(slot) === WAIT.NONE) return true;
  }
  return false;
}

/** How long a cycle must last before it is reported (see checkDeadlock). */
export const CONFIRM_MS = 500;

/**
 * Called by a thread that has written its wait record and is about to sleep:
 * reports the cycle it closes, once, and under "raise" throws.
 *
 * A cycle is only reported once it has lasted CONFIRM_MS: the waiter calls
 * again with `confirmed` then. A plain Lock may be released by any thread (a
 * Lock used as a signal: its holder takes it again and another thread releases
 * it); and a record may name a holder that has just released the lock, while
 * its waiter is being woken (main's `cond.with(() => cond.notifyAll())` and
 * then `join()`: a waiter's record still says main holds the Condition's
 * RLock). Either passes within microseconds; a deadlock stays. A plain Lock
 * its holder waits for is the signal idiom when another thread will release
 * it, maybe much later: while any other thread runs (outside a wait) that
 * cycle is looked at again CONFIRM_MS later, not reported (a thread busy for
 * a second before it releases; the main thread of the kernel between cells).
 * Returns whether a cycle wants (another) second look.
 * @throws {RuntimeError} "deadlock detected: ..." under the "raise" policy.
 */
export function checkDeadlock(confirmed = false): boolean {
  const path = findCycle();
  if (!path) return false;
  if (!confirmed) return true;
  if (path.length === 1 && path[0].kind === WAIT.LOCK && anotherRuns(path[0].slot)) return true;
  const key = hashCycle(path);
  if (Atomics.exchange(sharedState().counters, C.LAST_DEADLOCK, key) === key) return false;
  const head = path.map((r, n) => (n === 0 ? `${slotName(r.slot)} ${edge(r)}` : `which ${edge(r)}`)).join(", ");
  const where = wheres(path);
  setWaitWhere(where[0]);
  const lines = path.map((r, n) => `  ${slotName(r.slot)} waits at ${where[n]}`);
  const text = `${head}\n${lines.join("\n")}`;
  if (getDeadlockPolicy() === "raise") throw new RuntimeError(`deadlock detected: ${text}`);
  try {
    writer(
      `Deadlock: ${text}\n`,
      path.map((r) => r.slot),
    );
  } catch {
    /* an output that is gone: the threads wait on all the same */
  }
  return false;
}

const SLICE_MS = 100; // how often a waiter on a lock or a join wakes to look again (a dead holder, a deadlock)
const FIRST_SLICE_MS = 20; // after which it writes where it waits, for a report another thread makes

/**
 * A wait on a lock or a join, which sleeps in slices: `check(changed)` after
 * it wrote its record or a new holder in it (`changed`), else after each
 * slice. It keeps when a cycle through a plain Lock was first seen, to
 * confirm it CONFIRM_MS later; after the first slice it writes where the
 * thread waits (a stack costs more than the first sleep, so only then).
 */
export class BlockedWait {
  #since = 0;
  #where = false;

  check(changed: boolean): void {
    if (changed) this.#since = checkDeadlock() ? Date.now() : 0;
    else if (this.#since && Date.now() - this.#since >= CONFIRM_MS) this.#since = checkDeadlock(true) ? Date.now() : 0;
  }

  /** How long the next slice may sleep, with `left` ms left of the wait. */
  slice(left: number): number {
    return Math.min(left, this.#where ? SLICE_MS : FIRST_SLICE_MS);
  }

  /** After a slice that ended with `result`. */
  slept(result: string): void {
    if (result === "timed-out" && !this.#where) {
      setWaitWhere(whereHere());
      this.#where = true;
    }
  }
}
