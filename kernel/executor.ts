/**
 * Runs cells, as tslab's executor does: each cell is compiled by tslab's
 * converter (type-checked TypeScript, with the declarations of earlier cells)
 * and run in this context; a cell's outcome is what the protocol needs to
 * report it. Also completion, inspection and is-complete, on the same
 * converter. No sockets and no messages here: handler.ts speaks the protocol.
 */
import * as path from "path";
import { inspect } from "util";
import * as vm from "vm";
import type { Converter } from "tslab/dist/converter";
import {
  addScriptProvider,
  installStackMapping,
  isInternalFrame,
  parseImports,
  registerScriptMap,
  type KnownScript,
} from "../src/host";
import { cellMap } from "./cell-map";
import { forwardThreadlabTypes } from "./modules";
import { noteCellImports, tslabGlobal } from "./notebook";

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface Outcome {
  ok: boolean;
  value?: unknown;
  hasValue?: boolean;
  error?: CellError;
}

const cwd = process.cwd();
let prevDecl = "";
/** The cells run so far, as V8 compiled them: threads' functions are found in them, and their lines mapped. */
const cells: KnownScript[] = [];
addScriptProvider(() => cells);
installStackMapping();
let converter: Converter | undefined;

function loadConverter(): Converter {
  forwardThreadlabTypes(cwd);
  const { createConverter } = require("tslab/dist/converter") as typeof import("tslab/dist/converter");
  return createConverter({ isJS: false, isBrowser: false });
}

function theConverter(): Converter {
  return (converter ??= loadConverter());
}

/** Loads the compiler now, so that the first cell does not wait for TypeScript to load. */
export function warmUp(): void {
  theConverter();
}

/** The error message of a cell that threw `err`. */
export function errorOf(err: unknown): CellError {
  if (err instanceof Error) {
    let ename = err.name;
    let evalue = err.message;
    if (/Script execution was interrupted by `SIGINT`/.test(err.message)) {
      ename = "KeyboardInterrupt";
      evalue = "";
    }
    const stack = (err.stack ?? `${ename}: ${evalue}`)
      .split("\n")
      .filter((l) => !isInternalFrame(l) && !/node:vm|runInThisContext/.test(l));
    if (ename === "KeyboardInterrupt") stack.splice(0, 1, "KeyboardInterrupt");
    return { ename, evalue, traceback: stack };
  }
  return { ename: typeof err, evalue: String(err), traceback: [`Uncaught ${inspect(err)}`] };
}

/** Compiles and runs one cell; `filename` names it in stack traces. */
export async function runCell(code: string, filename: string, beforeRun: () => void): Promise<Outcome> {
  const converted = theConverter().convert(prevDecl, code);
  if (converted.diagnostics.length > 0) {
    const lines = converted.diagnostics.map((d) => `${d.start.line + 1}:${d.start.character + 1} - ${d.messageText}`);
    return {
      ok: false,
      error: { ename: "TypeScriptError", evalue: lines[0], traceback: ["TypeScriptError: the cell does not compile", ...lines] },
    };
  }
  noteCellImports(parseImports(code, path.join(cwd, "cell.ts")));
  if (!converted.output) {
    prevDecl = converted.declOutput ?? "";
    return { ok: true };
  }
  const prefix = converted.hasToplevelAwait ? "(async function(exports, require) { " : "(function(exports, require) { ";
  const wrapped = `${prefix}${converted.output}\n})(__tslab__.exports, __tslab__.require)`;
  const map = cellMap(code, converted.output, prefix);
  registerScriptMap(filename, map);
  if (cells.length >= 500) cells.shift();
  cells.push({ code: wrapped, file: filename, map });
  // The cell's declarations stand even if it fails part way, as in Python: what ran before the
  // error (or the interrupt) has been assigned, and later cells may use it.
  prevDecl = converted.declOutput ?? "";
  try {
    beforeRun();
    const ret: unknown = vm.runInThisContext(wrapped, { breakOnSigint: true, displayErrors: false, filename });
    if (converted.hasToplevelAwait) await ret;
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
  const exports = tslabGlobal().exports;
  if (converted.lastExpressionVar && converted.lastExpressionVar in exports) {
    const value = exports[converted.lastExpressionVar];
    delete exports[converted.lastExpressionVar];
    if (value !== undefined) return { ok: true, value, hasValue: true };
  }
  return { ok: true };
}

/** Completion candidates at `position`. */
export function complete(code: string, position: number): { start: number; end: number; candidates: string[] } {
  return theConverter().complete(prevDecl, code, position);
}

/** What the type checker knows of the name at `position`, as text; undefined if nothing. */
export function inspectAt(code: string, position: number): string | undefined {
  const info = theConverter().inspect(prevDecl, code, position);
  if (!info) return undefined;
  const { printQuickInfo } = require("tslab/dist/inspect") as typeof import("tslab/dist/inspect");
  return printQuickInfo(info);
}

/** Whether `code` is a complete cell, and the indent to continue with if not. */
export function isComplete(code: string): { completed: boolean; indent?: string } {
  const { isCompleteCode } = require("tslab/dist/converter") as typeof import("tslab/dist/converter");
  return isCompleteCode(code);
}
