/** What a starter sends to the worker that runs a thread. */
import type { SinkDescriptor } from "../output/sink";
import type { Program } from "../transport/resolve";
import type { SlotRef } from "./table";

export interface Task {
  ref: SlotRef;
  ident: number;
  name: string;
  daemon: boolean;
  sink: SinkDescriptor;
  /** The target, or null for a thread with no target. */
  program: Program | null;
  /** The encoded args. */
  args: unknown;
  /** The custom excepthook, if one is set. */
  hook: Program | null;
  /** For a Timer: wait on `finished` (an encoded Event) up to `interval` seconds, run only if not set. */
  timer?: { finished: unknown; interval: number };
  /** For a Thread subclass overriding run(): the object's fields, and where its fields go back at the end. */
  self?: { fields: unknown; back: SharedArrayBuffer };
}

let running: Task | undefined;

/** The task of the thread running in this worker, if any. */
export function currentTask(): Task | undefined {
  return running;
}

export function setCurrentTask(task: Task | undefined): void {
  running = task;
}
