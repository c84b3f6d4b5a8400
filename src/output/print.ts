/**
 * Python's `print`, and where the main thread's prints go: in a thread, to the
 * thread's sink; in a script's main thread, to the terminal under the output
 * lock; in the kernel's main thread, to the running cell.
 */
import { inspect } from "util";
import { currentSink } from "./capture";
import { writeTerminal } from "./terminal";
import { tracePrint } from "../state/trace";

let mainWriter: ((text: string) => void) | undefined;

/** Where `print` in the main thread writes (the kernel sends it to the running cell). */
export function setMainPrint(write: (text: string) => void): void {
  mainWriter = write;
}

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
  tracePrint(text);
  const sink = currentSink();
  if (sink) sink.write("stdout", text);
  else if (mainWriter) mainWriter(text);
  // In the main thread of a script: straight to the terminal under the output lock, so that
  // a long line is never split by a thread's output.
  else writeTerminal("stdout", text);
}
