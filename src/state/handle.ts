/**
 * The handle protocol: how a threadlab object (a Lock, a Queue, a Value...)
 * describes itself for another thread, and how the receiving thread rebuilds
 * it on the same shared memory. Each kind registers its reviver here.
 */
import { DataCloneError } from "../errors";

/** Method a threadlab object implements to describe itself for another thread. */
export const HANDLE = Symbol.for("threadlab.handle");

/**
 * Optional method of a threadlab object: told the name of the variable it travels to a thread
 * by (transport/resolve.ts), it may take it as its name if it was given none (a Lock: for reports).
 */
export const BINDING_NAME = Symbol.for("threadlab.bindingName");

export interface Handle {
  type: string;
  state: unknown;
}

type Reviver = (state: unknown) => unknown;
const revivers = new Map<string, Reviver>();

/** Registers how a handle of `type` is rebuilt in the receiving thread. */
export function registerHandleType(type: string, revive: Reviver): void {
  revivers.set(type, revive);
}

/**
 * The module that registers each type. A thread's worker loads the library's modules as they are
 * first used (worker/bundle.ts): the first handle of a type to arrive loads its module.
 * (test/transport/handles.test.ts checks that every registered type is here.)
 */
export const HANDLE_MODULES: Readonly<Record<string, string>> = {
  Thread: "../thread/thread",
  local: "../thread/local",
  Lock: "../sync/lock",
  RLock: "../sync/rlock",
  Condition: "../sync/condition",
  Semaphore: "../sync/semaphore",
  BoundedSemaphore: "../sync/semaphore",
  Event: "../sync/event",
  Barrier: "../sync/barrier",
  Value: "../shared/value",
  SharedArray: "../shared/value",
  SharedList: "../shared/collections",
  SharedDict: "../shared/collections",
  SharedObject: "../shared/objects",
  SharedContainer: "../shared/containers",
  Queue: "../shared/queue",
  LifoQueue: "../shared/queue",
  PriorityQueue: "../shared/queue",
  SimpleQueue: "../shared/queue",
  Future: "../futures/future",
};

/** The types registered so far. */
export function registeredHandleTypes(): string[] {
  return [...revivers.keys()];
}

/** Rebuilds the object a handle describes (objects whose state holds other handles use it too). */
export function revive(handle: Handle): unknown {
  let fn = revivers.get(handle.type);
  if (!fn && Object.prototype.hasOwnProperty.call(HANDLE_MODULES, handle.type)) {
    require(HANDLE_MODULES[handle.type]);
    fn = revivers.get(handle.type);
  }
  if (!fn) throw new DataCloneError(`unknown threadlab object type ${handle.type}`);
  return fn(handle.state);
}

/** Whether `value` is a threadlab object that crosses to threads as a handle. */
export function isShareable(value: unknown): value is { [HANDLE](): Handle } {
  return typeof value === "object" && value !== null && typeof (value as never)[HANDLE] === "function";
}
