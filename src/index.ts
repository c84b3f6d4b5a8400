/**
 * threadlab: Python's `threading` for TypeScript, over real worker_threads.
 * This file only re-exports the public API.
 */
import "./worker/launch";

export {
  RuntimeError,
  ValueError,
  OverflowError,
  IndexError,
  AttributeError,
  NameError,
  KeyboardInterrupt,
  DataCloneError,
  BrokenBarrierError,
  KeyError,
} from "./errors";
export { Thread, currentThread, mainThread, activeCount, enumerate, getIdent, getNativeId } from "./thread/thread";
export type { ThreadOptions } from "./thread/thread";
export { excepthook, setExcepthook, getExcepthook } from "./thread/excepthook";
export type { ExceptHookArgs, Excepthook } from "./thread/excepthook";
export { local } from "./thread/local";
export { Lock } from "./sync/lock";
export { RLock } from "./sync/rlock";
export { Condition } from "./sync/condition";
export { Semaphore, BoundedSemaphore } from "./sync/semaphore";
export { Event } from "./sync/event";
export { Barrier } from "./sync/barrier";
export { Timer } from "./thread/timer";
export { sleep, TIMEOUT_MAX } from "./sync/wait";
export { Value, SharedArray } from "./shared/value";
export { SharedList, SharedDict } from "./shared/collections";
export { Queue, LifoQueue, PriorityQueue, SimpleQueue, Empty, Full, ShutDown } from "./shared/queue";
export type { QueueOptions } from "./shared/queue";
export type { Typecode } from "./shared/value";
export { print } from "./output/print";
export { Future, CancelledError, TimeoutError } from "./futures/future";
export { ThreadPoolExecutor, asCompleted, wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from "./futures/executor";
export type { ExecutorOptions } from "./futures/executor";
/** @internal What an executor thread runs (it travels to the thread by this name). */
export { executorWorker as __executorWorker } from "./futures/worker";
export { share } from "./transport/resolve";
export { shutdown } from "./worker/launch";
