/**
 * `timeline(fn)`: runs `fn` in the calling thread while every thread records
 * what it does into the shared event ring (state/trace.ts), then draws it
 * (timeline/draw.ts): in the kernel as a display_data (SVG and a text
 * summary) in the cell that called it; in a script as an .svg file whose
 * path it prints.
 */
import { writeFileSync } from "fs";
import * as path from "path";
import { argError } from "../errors";
import { myIdent } from "../state/me";
import { nowMicros, startTrace, stopTrace, traceThread } from "../state/trace";
import { displayMain } from "../output/display";
import { print } from "../output/print";
import { currentThread } from "../thread/thread";
import { buildModel, drawSvg, summarize, type TimelineModel } from "./draw";

export interface TimelineOptions {
  /** Where a script writes the picture (default: timeline.svg in the current directory, then timeline-2.svg...). */
  path?: string;
  /** Whether to show (display or write) the picture at all; default true. */
  show?: boolean;
  /** The picture's title. */
  title?: string;
}

/** What the last `timeline()` recorded: the lanes, the events, the picture and the summary. */
export interface RecordedTimeline extends TimelineModel {
  svg: string;
  text: string;
  /** The file written, in a script. */
  file?: string;
}

let last: RecordedTimeline | undefined;
let files = 0;

/** What the last `timeline()` in this thread recorded (undefined before the first). */
export function lastTimeline(): RecordedTimeline | undefined {
  return last;
}

function finish(session: number, t0: number, options: TimelineOptions): void {
  const me = currentThread();
  traceThread("end", myIdent(), me.name);
  const t1 = nowMicros();
  const { events, dropped } = stopTrace(session);
  const model = buildModel(events, t0, t1, myIdent(), dropped);
  const svg = drawSvg(model, options.title);
  const text = summarize(model);
  last = { ...model, svg, text };
  if (options.show === false) return;
  if (displayMain({ "image/svg+xml": svg, "text/plain": text })) return;
  files += 1;
  const file = path.resolve(options.path ?? (files === 1 ? "timeline.svg" : `timeline-${files}.svg`));
  writeFileSync(file, svg);
  last.file = file;
  print(`timeline: ${file}`);
}

/**
 * Runs `fn` here and records what every thread does meanwhile — starts and
 * ends, each blocking wait (on which Lock, RLock, Condition, Event, Semaphore,
 * Queue, join or sleep, and for how long), each `print` — then draws it: in
 * the kernel into this cell, in a script into an .svg file. Returns what
 * `fn` returns (a promise, for an async `fn`: the timeline ends when it settles).
 *
 * @throws {RuntimeError} when a timeline is already recording (they do not nest).
 */
export function timeline<R>(fn: () => R, options: TimelineOptions = {}): R {
  if (typeof fn !== "function") throw argError("timeline()", "fn", "a function to run", fn);
  const session = startTrace();
  const t0 = nowMicros();
  traceThread("start", myIdent(), currentThread().name);
  let result: R;
  try {
    result = fn();
  } catch (err) {
    finish(session, t0, options);
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === "function") {
    return (result as unknown as Promise<unknown>).finally(() => finish(session, t0, options)) as R;
  }
  finish(session, t0, options);
  return result;
}
