/** The messages between main, the supervisor and pool workers. */
import type { MessagePort } from "worker_threads";
import type { Task } from "../thread/task";

/** Main → supervisor (on the supervisor's parentPort) and pool worker → supervisor. */
export type ToSupervisor =
  | { type: "spawn"; count: number } // add workers to the pool as spares
  | { type: "stopDaemons" } // terminate every worker running a daemon thread; answer "done"
  | { type: "start"; task: Task } // a thread starts a thread: place this task
  | { type: "exiting"; word: number }; // the thread (of this slot word) called process.exit() and is unwinding

/** Supervisor → main (on the control port). */
export type ToMain = { type: "port"; index: number; gen: number; port: MessagePort } | { type: "done"; count: number };
