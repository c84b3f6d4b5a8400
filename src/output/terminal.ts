/**
 * The terminal sink: writes straight to file descriptor 1 or 2 from the
 * thread that prints, holding the process-wide output lock so that one
 * call's text is never split by another thread's. It needs no other thread's
 * event loop: the text is out before `print` returns, even while the main
 * thread blocks or busy-loops, and nothing is lost if the thread dies next.
 */
import { writeSync } from "fs";
import { isMainThread, workerData } from "worker_threads";
import { sharedState, isPoolOwner } from "../state/buffers";
import { monotonicMs } from "../state/clock";
import { C } from "../state/layout";
import { addMainWaitHook } from "../sync/wait";
import { formatFatal } from "./fatal";
import { acquireOutput, releaseOutput } from "./output-lock";
import { isHosted, registerSinkKind, type Stream } from "./sinks";

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** How long a thread that met a closed stdout waits for the main thread to end the script, in ms. */
const STOP_WAIT_MS = 1000;

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

/** Whether this is the main thread of a plain script (not a thread, not a host such as the kernel). */
function isScriptMain(): boolean {
  return isMainThread && isPoolOwner && !isHosted();
}

/** A pool worker of a host's (the kernel's workers get its output ring). */
const hostedWorker = !isMainThread && Boolean((workerData as { outputRing?: unknown } | null | undefined)?.outputRing);

/** In a host's process (the kernel's main thread or its pool workers) a closed stdout is ignored, as it was. */
function isHostedProcess(): boolean {
  return isMainThread ? isHosted() : hostedWorker;
}

/**
 * The terminal's stdout is a closed pipe (`node script.js | head` after head
 * exits). Node ends a script whose stdout write fails with EPIPE: it prints
 * the error and exits 1; CPython stops at its first BrokenPipeError too. So
 * does this, whichever thread wrote: the first to meet it prints the error on
 * stderr; the main thread exits at once; a thread stops writing and waits for
 * the main thread to exit (its waits look at the flag; see the hook below).
 * If the script is not ended within STOP_WAIT_MS (the main thread is busy, or
 * this is a host that does not end on it), the thread gets the error thrown,
 * as Python's BrokenPipeError, so that it stops all the same.
 */
function brokenPipe(err: Error | undefined): void {
  const counters = sharedState().counters;
  if (err && Atomics.compareExchange(counters, C.STDOUT_BROKEN, 0, 1) === 0) {
    try {
      writeAll(2, Buffer.from(formatFatal(err), "utf8"));
    } catch {
      /* stderr is gone too */
    }
    // Printed: now the main thread may end the script (it waits for this, or the error could be lost).
    Atomics.store(counters, C.STDOUT_BROKEN, 2);
  }
  releaseOutput();
  if (isScriptMain()) process.exit(1);
  if (!isMainThread) {
    const end = monotonicMs() + STOP_WAIT_MS;
    for (let left = STOP_WAIT_MS; left > 0; left = end - monotonicMs()) Atomics.wait(sleeper, 0, 0, Math.min(left, 50));
  }
  acquireOutput();
  throw err ?? Object.assign(new Error("EPIPE: broken pipe, write"), { code: "EPIPE", errno: -32, syscall: "write" });
}

/** Writes to the process's own stdout/stderr under the output lock. */
export function writeTerminal(stream: Stream, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  if (bytes.length === 0) return;
  const stdout = stream === "stdout";
  acquireOutput();
  try {
    if (stdout && Atomics.load(sharedState().counters, C.STDOUT_BROKEN) !== 0 && !isHostedProcess()) brokenPipe(undefined);
    try {
      writeAll(stdout ? 1 : 2, bytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EPIPE") throw err;
      // stdout closed: the script stops. stderr closed: as in Python, there is nowhere left to print.
      if (stdout && !isHostedProcess()) brokenPipe(err as Error);
    }
  } finally {
    releaseOutput();
  }
}

// A script's main thread blocked in join(), acquire(), sleep()... ends the script once a thread has met
// the closed stdout (its waits run this between slices): once that thread has printed the error (2), or
// REPORT_WAIT_MS after it said it would (1) — exiting at once lost the error now and then (a test saw
// exit code 1 and an empty stderr, 1 run in 20).
const REPORT_WAIT_MS = 200;
let brokenSeenAt = 0;
if (isMainThread && isPoolOwner) {
  addMainWaitHook(() => {
    if (isHosted()) return;
    const broken = Atomics.load(sharedState().counters, C.STDOUT_BROKEN);
    if (broken === 2) process.exit(1);
    if (broken === 1) {
      brokenSeenAt ||= monotonicMs();
      if (monotonicMs() - brokenSeenAt > REPORT_WAIT_MS) process.exit(1);
    }
  });
}

registerSinkKind("terminal", () => ({ write: writeTerminal }));
