/**
 * Tracebacks that point at the user's code. A thread runs its functions from
 * a rebuilt program (`<thread N>`), where each function's text sits at other
 * lines than in the user's file. Each program registers where each of its
 * functions came from (an `Origin`), and stack traces are rewritten: a frame
 * at `<thread N>:line:column` becomes the user's `file:line:column` (their
 * TypeScript's, when the origin carries a source map's positions).
 */
import type { Origin } from "./scripts";
import { originalPosition, type DecodedMap } from "./source-map";
import { isInternalFrame } from "../own-code";

/** Where one function's text starts in a program, and where it came from. */
export interface Segment {
  /** 0-based line and column of the function's first character in the program. */
  line: number;
  column: number;
  /** How many lines the function's text spans. */
  lines: number;
  origin: Origin;
}

const programs = new Map<string, Segment[]>();
const scriptMaps = new Map<string, DecodedMap>();
const MAX_PROGRAMS = 2000;

/** Records how positions of the script compiled under `filename` (a `<cell N>`) map to what the user wrote. */
export function registerScriptMap(filename: string, map: DecodedMap): void {
  if (scriptMaps.size >= MAX_PROGRAMS) scriptMaps.delete(scriptMaps.keys().next().value!);
  scriptMaps.set(filename, map);
}

/** Records the segments of the program compiled under `filename`. */
export function registerProgram(filename: string, segments: Segment[]): void {
  if (programs.size >= MAX_PROGRAMS) programs.delete(programs.keys().next().value!);
  programs.set(filename, segments);
}

/** The user's position of 1-based `line`:`column` of program `filename`, if it is inside one of its functions. */
export function userPosition(
  filename: string,
  line: number,
  column: number,
): { file: string; line: number; column: number } | undefined {
  const map = scriptMaps.get(filename);
  if (map) {
    const pos = originalPosition(map, line - 1, column - 1);
    return pos && { file: filename, line: pos.line + 1, column: pos.column + 1 };
  }
  const segments = programs.get(filename);
  if (!segments) return undefined;
  const l = line - 1;
  const c = column - 1;
  const seg = segments.find((s) => l >= s.line && l < s.line + s.lines && (l > s.line || c >= s.column));
  if (!seg) return undefined;
  const k = l - seg.line;
  const col = k === 0 ? c - seg.column : c;
  const o = seg.origin;
  const entries = o.lines?.[k];
  if (!entries) return { file: o.file, line: o.line + k, column: k === 0 ? o.column + col : col + 1 };
  if (entries.length === 0) return { file: o.file, line: o.line + k, column: col + 1 };
  let best = entries[0];
  for (const e of entries) {
    if (e[0] > col) break;
    best = e;
  }
  return { file: o.file, line: best[1], column: best[2] + Math.max(0, col - best[0]) };
}

const FRAME = /(<[\w ]+>):(\d+):(\d+)/g;

/** Rewrites every `<thread N>:line:column` (and `<cell N>:...`) in a stack text to the user's position. */
export function mapStack(text: string): string {
  if (!text.includes("<")) return text;
  return text.replace(FRAME, (whole, filename: string, line: string, column: string) => {
    const pos = userPosition(filename, Number(line), Number(column));
    return pos ? `${pos.file}:${pos.line}:${pos.column}` : whole;
  });
}

type Prepare = (err: Error, frames: NodeJS.CallSite[]) => unknown;
let installed = false;

function defaultPrepare(err: Error, frames: NodeJS.CallSite[]): string {
  let head: string;
  try {
    head = Error.prototype.toString.call(err);
  } catch {
    head = "Error";
  }
  // V8's own text for each frame (CallSite.toString, which the typings leave out).
  return head + frames.map((f) => `\n    at ${(f as unknown as { toString(): string }).toString()}`).join("");
}

/**
 * Makes every stack trace of this isolate name the user's positions for
 * rebuilt code. Whatever formats stacks already (Node's default, or ts-node's
 * source-map-support in a script's main thread) still does; its text is then
 * rewritten.
 */
export function installStackMapping(): void {
  if (installed) return;
  installed = true;
  const previous = Error.prepareStackTrace?.bind(Error) as Prepare | undefined;
  Error.prepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => {
    const text = previous ? previous(err, frames) : defaultPrepare(err, frames);
    return typeof text === "string" ? mapStack(text) : text;
  };
}

/**
 * Where the calling code is, as the first frame of the user's code in the
 * stack now (mapped to their file or cell): `fn (file:line:column)`.
 */
export function whereHere(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const line = stack
    .split("\n")
    .slice(1)
    .find((l) => !isInternalFrame(l) && !l.includes("(<anonymous>)") && !l.includes("(native)"));
  return line ? mapStack(line.trim().replace(/^at /, "")) : "<unknown>";
}
