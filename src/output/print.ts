import { inspect } from "util";
import { currentSink } from "./capture";
import { writeTerminal } from "./sink";

/** The terminal's own write, to tell it from a write that someone (the kernel) has replaced. */
const terminalWrite = process.stdout.write;

/** How `print` shows one argument: strings as they are, anything else as `console.log` would. */
export function show(value: unknown): string {
  return typeof value === "string" ? value : inspect(value, { colors: false, depth: 4 });
}

/**
 * Python's `print(*args)`: the arguments shown and joined by spaces, then a
 * newline, written as one piece to this thread's output (so another thread's
 * output never lands inside it). Unlike `console.log`, a `%` in the first
 * argument is printed as it is.
 */
export function print(...args: unknown[]): void {
  const text = args.map(show).join(" ") + "\n";
  const sink = currentSink();
  if (sink) sink.write("stdout", text);
  // In the main thread of a script: straight to the terminal under the output lock, so that
  // a long line is never split by a thread's output. Elsewhere, wherever stdout now goes.
  else if (process.stdout.write === terminalWrite) writeTerminal("stdout", text);
  else process.stdout.write(text);
}
