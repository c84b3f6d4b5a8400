/** The messages between main, the supervisor and pool workers. */
import { parentPort, workerData, type MessagePort } from "worker_threads";
import type { Task } from "../thread/task";

/** Main → supervisor (on the supervisor's parentPort) and pool worker → supervisor. */
export type ToSupervisor =
  | { type: "spawn"; count: number } // add workers to the pool as spares
  | { type: "stopDaemons" } // terminate every worker running a daemon thread; answer "done"
  | { type: "start"; task: Task } // a thread starts a thread: place this task
  // main spawned worker `index` itself: serve its directory, watch it by its life port
  | { type: "adopt"; index: number; directory: { port: MessagePort; mailbox: SharedArrayBuffer }; life: MessagePort }
  // main's worker `index` died before there was a supervisor to give it to, of `error` if main heard one
  | { type: "adoptDead"; index: number; error?: { message: string; code?: string; stack?: string } }
  | { type: "exiting"; word: number } // the thread (of this slot word) called process.exit() and is unwinding
  | { type: "bootFailed"; error: string }; // this worker's start-up threw (boot.ts); it dies of it

/** Supervisor → main (on the control port). */
export type ToMain =
  | { type: "port"; index: number; gen: number; port: MessagePort }
  | { type: "done"; count: number }
  | { type: "terminate"; index: number } // stop the worker main spawned (it runs a daemon thread at shutdown)
  | { type: "bootFailed"; index: number; error: string } // a new worker died before it could run a thread
  | { type: "supervisorFailed"; error: string }; // the supervisor met an error it cannot go on from, and ends

/** What a start says when the worker it waited for died as it started (main's start(), or a thread's). */
export function bootFailedMessage(why: string): string {
  return `can't start new thread: a new worker failed to start: ${why}`;
}

/**
 * In a pool worker: where to send the supervisor a message. It hears a worker it spawned on the
 * worker's parentPort, and the one main spawned on that worker's life port.
 */
export function supervisorPort(): MessagePort {
  return (workerData as { life?: MessagePort } | null)?.life ?? parentPort!;
}
