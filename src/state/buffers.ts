/**
 * The process-wide shared buffers, seen by every thread: the main thread
 * creates them once and hands them to each worker in `workerData`.
 */
import { isMainThread, workerData } from "worker_threads";
import { os } from "./builtins";
import { C, createSharedBuffers, type SharedBuffers } from "./layout";

export interface SharedViews {
  buffers: SharedBuffers;
  counters: Int32Array;
  threads: Int32Array;
  names: Uint8Array;
  workers: Int32Array;
  waiters: Int32Array;
  waits: Int32Array;
  waitText: Uint8Array;
  waitSince: Float64Array;
}

let views: SharedViews | undefined;

/** The threadlab data handed to a pool worker (or the supervisor: index -1), or undefined outside one. */
export const workerSetup: { buffers: SharedBuffers; index: number } | undefined = isMainThread
  ? undefined
  : (workerData as { threadlab?: { buffers: SharedBuffers; index: number } } | null)?.threadlab;

/** True in the one isolate that owns the pool (the process's main thread). */
export const isPoolOwner = workerSetup === undefined;

/** Views of the shared buffers; the first call in the pool owner creates and initializes them. */
export function sharedState(): SharedViews {
  if (views) return views;
  const buffers = workerSetup?.buffers ?? createSharedBuffers();
  views = {
    buffers,
    counters: new Int32Array(buffers.counters),
    threads: new Int32Array(buffers.threads),
    names: new Uint8Array(buffers.names),
    workers: new Int32Array(buffers.workers),
    waiters: new Int32Array(buffers.waiters),
    waits: new Int32Array(buffers.waits),
    waitText: new Uint8Array(buffers.waitText),
    waitSince: new Float64Array(buffers.waitSince),
  };
  if (!workerSetup) {
    Atomics.store(views.counters, C.NEXT_IDENT, 1);
    Atomics.store(views.counters, C.MAIN_IDENT, Atomics.add(views.counters, C.NEXT_IDENT, 1));
    Atomics.store(views.counters, C.NEXT_THREAD_NUMBER, 1);
    Atomics.store(views.counters, C.NEXT_OBJECT_ID, 1);
    const cores = os().availableParallelism();
    Atomics.store(views.counters, C.CORES, cores);
    Atomics.store(views.counters, C.SPIN_CORES, cores);
  }
  return views;
}
