/**
 * The terminal sink: writes straight to file descriptor 1 or 2 from the
 * thread that prints, holding the process-wide output lock so that one
 * call's text is never split by another thread's. It needs no other thread's
 * event loop: the text is out before `print` returns, even while the main
 * thread blocks or busy-loops, and nothing is lost if the thread dies next.
 */
import { writeSync } from "fs";
import { acquireOutput, releaseOutput } from "./output-lock";
import { registerSinkKind, type Stream } from "./sinks";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `bytes` to `fd`, waiting out EAGAIN on a non-blocking pipe. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

/** Writes to the process's own stdout/stderr under the output lock. */
export function writeTerminal(stream: Stream, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  if (bytes.length === 0) return;
  acquireOutput();
  try {
    writeAll(stream === "stdout" ? 1 : 2, bytes);
  } catch (err) {
    // EPIPE and friends: the reader is gone; like Python, there is nowhere left to print.
    if ((err as NodeJS.ErrnoException).code !== "EPIPE") throw err;
  } finally {
    releaseOutput();
  }
}

registerSinkKind("terminal", () => ({ write: writeTerminal }));
