/**
 * Output capture inside a pool worker: `process.stdout.write`,
 * `process.stderr.write` and so `console.*` all go to the sink of the thread
 * running now, instead of Node's worker stdio pipe (which only moves while the
 * worker's event loop runs, so it stalls while a thread blocks).
 */
import { type Sink, type Stream } from "./sink";

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

function capture(stream: Stream, target: NodeJS.WriteStream): void {
  target.write = function write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const callback = (typeof encoding === "function" ? encoding : cb) as WriteCallback | undefined;
    const enc = typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8";
    const data =
      typeof chunk === "string"
        ? enc === "utf8" || enc === "utf-8"
          ? chunk
          : Buffer.from(chunk, enc)
        : (chunk as Uint8Array);
    const sink = current ?? fallback;
    if (sink) sink.write(stream, data);
    if (callback) process.nextTick(callback, null);
    return true;
  } as NodeJS.WriteStream["write"];
}

/** Installs the capture; `idle` receives output written while no thread runs. */
export function installCapture(idle: Sink): void {
  fallback = idle;
  capture("stdout", process.stdout);
  capture("stderr", process.stderr);
}
