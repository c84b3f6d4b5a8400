/**
 * What Node prints for an error that ends the process (node_errors.cc,
 * ReportFatalException), for threadlab's own endings of a script: an
 * uncaught error in the main code (worker/uncaught.ts) and a closed stdout
 * (terminal.ts).
 */
import { readFileSync } from "fs";
import { inspect } from "util";
import { url } from "../state/builtins";

/** What Node prints for an uncaught `err` (see node_errors.cc, ReportFatalException). */
export function formatFatal(err: unknown): string {
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
      const path = file.startsWith("file://") ? url().fileURLToPath(file) : file;
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
