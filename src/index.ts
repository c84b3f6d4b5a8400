/**
 * threadlab: Python's `threading` for TypeScript, over real worker_threads.
 * This file re-exports the public API, and hands it to the resolver as the
 * names every thread has (transport/api.ts).
 */
// First: the pool starts booting while the rest loads.
import "./worker/warm";
import { registerApi } from "./transport/api";
import "./worker/launch";
// Instances of the user's classes cross to threads as shared objects.
import "./shared/objects";

export {
  RuntimeError,
  ValueError,
  OverflowError,
  IndexError,
  AttributeError,
  NameError,
  KeyboardInterrupt,
  SystemExit,
  DataCloneError,
  BrokenBarrierError,
  KeyError,
} from "./errors";
export { Thread, currentThread, mainThread, activeCount, enumerate, getIdent, getNativeId } from "./thread/thread";
export type { ThreadOptions } from "./thread/thread";
export { excepthook, setExcepthook, getExcepthook } from "./thread/excepthook";
export type { ExceptHookArgs, Excepthook } from "./thread/excepthook";
export { local } from "./thread/local";
export { Timer } from "./thread/timer";
export { Lock } from "./sync/lock";
export { RLock } from "./sync/rlock";
export { Condition } from "./sync/condition";
export { Semaphore, BoundedSemaphore } from "./sync/semaphore";
export { Event } from "./sync/event";
export { Barrier } from "./sync/barrier";
export { sleep, TIMEOUT_MAX } from "./sync/wait";
export { setDeadlockPolicy, getDeadlockPolicy } from "./sync/deadlock";
export type { DeadlockPolicy } from "./sync/deadlock";
export type { SyncOptions } from "./sync/lock";
export { dumpThreads } from "./thread/report";
export { Value, SharedArray } from "./shared/value";
export type { Typecode } from "./shared/value";
export { SharedList, SharedDict } from "./shared/collections";
export { Queue, LifoQueue, PriorityQueue, SimpleQueue, Empty, Full, ShutDown } from "./shared/queue";
export type { QueueOptions } from "./shared/queue";
export { print } from "./output/print";
export { timeline, lastTimeline } from "./timeline/timeline";
export type { TimelineOptions, RecordedTimeline } from "./timeline/timeline";
export type { Lane, LaneWait, TimelineModel } from "./timeline/draw";
export type { TraceEvent } from "./state/trace";
export { Future, CancelledError, TimeoutError } from "./futures/future";
export { ThreadPoolExecutor, asCompleted, wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from "./futures/executor";
export type { ExecutorOptions } from "./futures/executor";
export { share } from "./transport/resolve";
export { shutdown } from "./worker/launch";

// The module's own exports object: what `require("threadlab")` returns, so that the resolver
// knows an imported threadlab (or one of its names) when a thread's code uses it.
registerApi(exports as Record<string, unknown>, __filename);
