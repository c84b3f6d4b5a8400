/**
 * Output capture: `process.stdout.write` and `process.stderr.write` (and so
 * `console.*`) replaced by a function that hands each piece of text to a
 * sink, instead of Node's worker stdio pipe (which only moves while the
 * worker's event loop runs, so it stalls while a thread blocks).
 *
 * In a pool worker the text goes to the sink of the thread running now; the
 * kernel's main thread patches its own streams with `patchWrite` too.
 */
import type { Sink, Stream } from "./sinks";
import { tracePrint } from "../state/trace";

const decoder = new TextDecoder();

let current: Sink | undefined;
let fallback: Sink | undefined;

/** Sets the sink for what this worker prints from now on. */
export function setCurrentSink(sink: Sink | undefined): void {
  current = sink;
}

export function currentSink(): Sink | undefined {
  return current ?? fallback;
}

type WriteCallback = (err?: Error | null) => void;

/**
 * Replaces `target.write` with one that passes every chunk (as a string when
 * it was one in UTF-8, else as bytes) to `write`, and calls a write callback
 * on the next tick, as a stream would.
 */
export function patchWrite(target: NodeJS.WriteStream, write: (data: string | Uint8Array) => void): void {
  target.write = function patchedWrite(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const callback = (typeof encoding === "function" ? encoding : cb) as WriteCallback | undefined;
    const enc = typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8";
    const data =
      typeof chunk === "string" ? (enc === "utf8" || enc === "utf-8" ? chunk : Buffer.from(chunk, enc)) : (chunk as Uint8Array);
    if (data.length > 0) write(data);
    if (callback) process.nextTick(callback, null);
    return true;
  };
}

/** Installs the capture in a pool worker; `idle` receives output written while no thread runs. */
export function installCapture(idle: Sink): void {
  fallback = idle;
  for (const stream of ["stdout", "stderr"] as const satisfies readonly Stream[]) {
    patchWrite(process[stream], (data) => {
      // console.log and the streams' write, as the timeline's output ticks (print records its own).
      tracePrint(typeof data === "string" ? data : decoder.decode(data));
      (current ?? fallback)?.write(stream, data);
    });
  }
}
