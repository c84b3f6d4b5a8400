/** What a starter sends to the worker that runs a thread, and the task running in this worker. */
import type { SinkDescriptor } from "../output/sinks";
import type { BlobState } from "../shared/blob";
import type { SharedFields } from "../shared/objects";
import type { Program } from "../transport/resolve";
import type { SlotRef } from "./registry";

export interface Task {
  ref: SlotRef;
  ident: number;
  name: string;
  daemon: boolean;
  sink: SinkDescriptor;
  /** The target, or for a Thread subclass overriding run() its class; null for a thread with nothing to run. */
  program: Program | null;
  /** The encoded args. */
  args: unknown;
  /** The custom excepthook, if one is set. */
  hook: Program | null;
  /**
   * For a Thread subclass overriding run(): the object's data fields (shared), its function
   * fields as programs, and where the fields run() adds go when it ends (join() applies them).
   */
  self?: { shared: SharedFields; functions: Record<string, Program>; back: BlobState };
}

let running: Task | undefined;

/** The task of the thread running in this worker, if any. */
export function currentTask(): Task | undefined {
  return running;
}

export function setCurrentTask(task: Task | undefined): void {
  running = task;
}
