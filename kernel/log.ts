/**
 * The kernel's own log: its stderr (file descriptor 2), which Jupyter's
 * server keeps in its log. Written straight to the descriptor, never through
 * `process.stderr`: in the kernel's main thread that stream goes to the
 * running cell, and a worker's stderr is forwarded to it. Nothing the kernel
 * says about itself (a dropped message, an unknown request) lands in a cell.
 */
import { writeSync } from "fs";

const MAX_REPEATS = 20;
const repeats = new Map<string, number>();

/** Writes one line to the kernel's log; the same `kind` of line is written at most 20 times a minute. */
export function log(text: string, kind?: string): void {
  if (kind !== undefined) {
    const n = (repeats.get(kind) ?? 0) + 1;
    repeats.set(kind, n);
    if (n === 1) setTimeout(() => repeats.delete(kind), 60_000).unref();
    if (n > MAX_REPEATS) return;
    if (n === MAX_REPEATS) text += ` (more of these in the next minute are not logged)`;
  }
  const line = Buffer.from(`[threadlab kernel] ${text}\n`);
  // fd 2 may be a non-blocking pipe: retry a full pipe a few times, then give up (a log line is
  // never worth hanging the kernel).
  for (let off = 0, tries = 0; off < line.length && tries < 100; tries++) {
    try {
      off += writeSync(2, line, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") return;
    }
  }
}
