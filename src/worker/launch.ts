/**
 * Connects `Thread.start()` to the right launcher: in the process's main
 * thread, the pool; in a pool worker, a request to the supervisor.
 */
import { RuntimeError } from "../errors";
import { isPoolOwner } from "../state/buffers";
import { setLauncher } from "../thread/thread";
import { supervisorPort, type ToSupervisor } from "./messages";

/** The pool: main's alone (a worker never loads it, nor what it imports). */
const pool = () => require("./pool") as typeof import("./pool");

// (The pool starts booting when the library loads: see warm.ts.)
if (isPoolOwner) setLauncher({ launch: pool().launch });
else setLauncher({ launch: (task) => void supervisorPort().postMessage({ type: "start", task } satisfies ToSupervisor) });

/**
 * Does on demand what the end of a script does: waits for every non-daemon
 * thread to end, then stops every daemon thread. Use it in a notebook, which
 * has no end. Returns the number of daemon threads it stopped.
 *
 * @throws {RuntimeError} when called from a thread other than the main thread.
 */
export function shutdown(): number {
  if (!isPoolOwner) throw new RuntimeError("shutdown() can only be called from the main thread");
  return pool().shutdown();
}
