/**
 * The shared table of live threads, seen by every thread: it is what
 * `enumerate()`, `activeCount()` and `join()` read, whichever thread asks.
 */
import { isMainThread, workerData } from "worker_threads";
import { RuntimeError } from "../errors";
import { C, MAX_THREADS, NAME_BYTES, T, createSharedBuffers, type SharedBuffers } from "../sync/layout";

export interface Shared {
  buffers: SharedBuffers;
  counters: Int32Array;
  threads: Int32Array;
  names: Uint8Array;
  workers: Int32Array;
  waiters: Int32Array;
}

let shared: Shared | undefined;

/** The threadlab data handed to a pool worker, or undefined outside one. */
export const workerSetup: { buffers: SharedBuffers; index: number } | undefined =
  !isMainThread && workerData && typeof workerData === "object" ? workerData.threadlab : undefined;

/** True in the one isolate that owns the pool (the process's main thread). */
export const isPoolOwner = workerSetup === undefined;

export function sharedState(): Shared {
  if (shared) return shared;
  const buffers = workerSetup?.buffers ?? createSharedBuffers();
  shared = {
    buffers,
    counters: new Int32Array(buffers.counters),
    threads: new Int32Array(buffers.threads),
    names: new Uint8Array(buffers.names),
    workers: new Int32Array(buffers.workers),
    waiters: new Int32Array(buffers.waiters),
  };
  if (!workerSetup) {
    Atomics.store(shared.counters, C.NEXT_IDENT, 1);
    Atomics.store(shared.counters, C.MAIN_IDENT, Atomics.add(shared.counters, C.NEXT_IDENT, 1));
    Atomics.store(shared.counters, C.NEXT_THREAD_NUMBER, 1);
    Atomics.store(shared.counters, C.NEXT_OBJECT_ID, 1);
  }
  return shared;
}

/** A new process-wide id (for objects such as `local` that need one across threads). */
export function nextObjectId(): number {
  return Atomics.add(sharedState().counters, C.NEXT_OBJECT_ID, 1);
}

export function nextIdent(): number {
  return Atomics.add(sharedState().counters, C.NEXT_IDENT, 1);
}

export function mainIdent(): number {
  return Atomics.load(sharedState().counters, C.MAIN_IDENT);
}

/** The next number for a default thread name, one counter for all threads. */
export function nextThreadNumber(): number {
  return Atomics.add(sharedState().counters, C.NEXT_THREAD_NUMBER, 1);
}

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
    const word = ((cur >>> 1) + 1) << 1 | 1;
    if (Atomics.compareExchange(s.threads, i + T.STATE, cur, word) !== cur) continue;
    hint = slot + 1;
    Atomics.store(s.threads, i + T.IDENT, ident);
    Atomics.store(s.threads, i + T.DAEMON, daemon ? 1 : 0);
    Atomics.store(s.threads, i + T.WORKER, -1);
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
  if (!daemon) Atomics.notify(s.counters, C.NON_DAEMON_ALIVE);
  return true;
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
