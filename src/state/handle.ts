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

/** Rebuilds the object a handle describes (objects whose state holds other handles use it too). */
export function revive(handle: Handle): unknown {
  const fn = revivers.get(handle.type);
  if (!fn) throw new DataCloneError(`unknown threadlab object type ${handle.type}`);
  return fn(handle.state);
}

/** Whether `value` is a threadlab object that crosses to threads as a handle. */
export function isShareable(value: unknown): value is { [HANDLE](): Handle } {
  return typeof value === "object" && value !== null && typeof (value as never)[HANDLE] === "function";
}
