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
import { readFileSync } from "fs";
import { fileURLToPath } from "url";
import { inspect } from "util";
import { sharedState } from "../state/buffers";
import { C } from "../state/layout";
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
      writeTerminal("stderr", formatUncaught(err));
      runAtExit();
      wait();
      process.exit(1);
    });
  });
}

/** What Node prints for an uncaught `err` (see node_errors.cc, ReportFatalException). */
export function formatUncaught(err: unknown): string {
  const trailer = `\nNode.js ${process.version}\n`;
  const stack = typeof err === "object" && err !== null ? (err as { stack?: unknown }).stack : undefined;
  if (typeof stack === "string") {
    const colors = process.stderr.hasColors?.() ?? false;
    let shown: string;
    try {
      shown = inspect(err, { colors, customInspect: false, depth: Math.max(inspect.defaultOptions.depth ?? 2, 5) });
    } catch {
      shown = stack;
    }
    const arrow = throwSite(stack);
    return `${arrow ? `${arrow}\n` : ""}${shown}\n${trailer}`;
  }
  // A thrown value that is not an error has no stack to tell where it was thrown.
  if (typeof err === "object" && err !== null) return `\n${inspect(err)}\n${trailer}`;
  return `\n${String(err)}\n(Use \`node --trace-uncaught ...\` to show where the exception was thrown)\n${trailer}`;
}

/**
 * Node's "arrow": the file and line of the throw, its source line, and a caret
 * under the `throw` (or, without one on the line before the error's column,
 * under that column), from the first frame of the stack.
 */
function throwSite(stack: string): string | undefined {
  for (const line of stack.split("\n").slice(1)) {
    const m = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const [, file, lineNo, colNo] = m;
    let source: string | undefined;
    try {
      const path = file.startsWith("file://") ? fileURLToPath(file) : file;
      source = readFileSync(path, "utf8").split(/\r?\n/)[Number(lineNo) - 1];
    } catch {
      return undefined; // the throw is in code with no file here (node's own, eval): no arrow
    }
    if (source === undefined) return undefined;
    const col = Number(colNo) - 1;
    let caret = col;
    for (const t of source.matchAll(/\bthrow\b/g)) if (t.index !== undefined && t.index <= col) caret = t.index;
    return `${file}:${lineNo}\n${source}\n${" ".repeat(caret)}^\n`;
  }
  return undefined;
}
