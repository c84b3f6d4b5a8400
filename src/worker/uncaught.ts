/**
 * An uncaught error (or unhandled rejection) in a script's main code, as
 * CPython handles one: the traceback is printed at once, then the script
 * waits for its non-daemon threads — whose output keeps coming — and exits 1.
 * Node alone would print it and exit, killing those threads mid-way.
 *
 * Node emits 'uncaughtExceptionMonitor' before it decides what to do with the
 * error; a listener added then to 'uncaughtException' takes it over. So this
 * takes over only when there is something to wait for (a non-daemon thread is
 * alive) and nobody else handles the error (a listener of the user's, or the
 * kernel's own handlers): otherwise Node ends the script exactly as it would.
 * When it takes over, it prints what Node prints — the throw site's file, line
 * and source with a caret, the error as `util.inspect` shows it, and the Node
 * version — then waits as the normal end of a script does.
 */
import { sharedState } from "../state/buffers";
import { C } from "../state/layout";
import { formatFatal } from "../output/fatal";
import { writeTerminal } from "../output/terminal";
import { runAtExit } from "../thread/atexit";

let installed = false;

/** Installs the takeover in the script's main thread; `wait` blocks until every non-daemon thread has ended. */
export function installMainUncaught(wait: () => void): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtExceptionMonitor", () => {
    if (process.listenerCount("uncaughtException") > 0) return; // handled by someone else
    if (Atomics.load(sharedState().counters, C.NON_DAEMON_ALIVE) === 0) return; // nothing to wait for
    process.once("uncaughtException", (err) => {
      writeTerminal("stderr", formatFatal(err));
      runAtExit();
      wait();
      process.exit(1);
    });
  });
}
