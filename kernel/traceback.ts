/**
 * Errors as IPython shows them (ipykernel's `error` messages, IPython 8's
 * verbose traceback with its "Linux" colours): a red rule, the error's name
 * and "Traceback (most recent call last)", then each frame from the outermost
 * to the one that threw — `Cell In [N], line L` (or `File PATH:L`), `, in f()`
 * for a frame inside a function, and the lines around it with `---->` at the
 * offending one, whose call is highlighted — then `Name: message`. Positions
 * are the cell's own TypeScript lines (cell-map.ts); threadlab's frames,
 * Node's (`node:`), tslab's and the cell wrapper's own line are dropped. A
 * compile error shows the line and a caret under the column, as a
 * SyntaxError does.
 */
import { existsSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { inspect } from "util";
import * as ts from "@tslab/typescript-for-tslab";
import { isInternalFrame, PACKAGE_ROOT, userPosition } from "../src/host";

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

// ---- IPython's colours ("Linux" scheme) -------------------------------------------------------

const C = {
  red: "\x1b[0;31m",
  green: "\x1b[0;32m",
  boldGreen: "\x1b[1;32m",
  cyan: "\x1b[0;36m",
  blue: "\x1b[0;34m",
  normal: "\x1b[0m",
  highlight: "\x1b[43m",
  noHighlight: "\x1b[49m",
};
const WIDTH = 75;
const NUMBERS_WIDTH = 7;
const CONTEXT = 2;

// ---- the cells' sources ----------------------------------------------------------------------

interface Source {
  /** How IPython names it: `Cell In [3]` or `File /path/x.js:L`. */
  cell?: number;
  text: string;
  lines: string[];
  ast?: ts.SourceFile;
}

const cellSources = new Map<string, Source>();
const MAX_CELLS = 500;

/** Records the TypeScript of the cell compiled as `filename` (`<cell N>`), run with execution count `count`. */
export function noteCellSource(filename: string, count: number, text: string): void {
  if (cellSources.size >= MAX_CELLS) cellSources.delete(cellSources.keys().next().value!);
  cellSources.set(filename, { cell: count, text, lines: text.split("\n") });
}

const fileSources = new Map<string, { mtime: number; source: Source | undefined }>();

function fileSource(file: string): Source | undefined {
  try {
    const st = statSync(file);
    const known = fileSources.get(file);
    if (known && known.mtime === st.mtimeMs) return known.source;
    const source =
      st.isFile() && st.size < 2_000_000
        ? (() => {
            const text = readFileSync(file, "utf8");
            return { text, lines: text.split("\n") };
          })()
        : undefined;
    if (fileSources.size > 200) fileSources.clear();
    fileSources.set(file, { mtime: st.mtimeMs, source });
    return source;
  } catch {
    return undefined;
  }
}

function astOf(source: Source, name: string): ts.SourceFile {
  return (source.ast ??= ts.createSourceFile(name, source.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
}

// ---- frames ---------------------------------------------------------------------------------

interface Frame {
  file: string;
  /** 1-based, in the user's source. */
  line: number;
  column: number;
  fn?: string;
  source?: Source;
}

/** The call sites V8 gave each error's stack, kept when the stack is first formatted. */
const callSites = new WeakMap<object, NodeJS.CallSite[]>();
let capturing = false;

/**
 * Keeps the call sites of every error made in this thread (beside the text
 * that Error.prepareStackTrace makes of them), so that frames are read from
 * V8's own positions rather than re-parsed. Call after the library's
 * installStackMapping.
 */
export function captureCallSites(): void {
  if (capturing) return;
  capturing = true;
  const previous = Error.prepareStackTrace?.bind(Error);
  Error.prepareStackTrace = (err: Error, sites: NodeJS.CallSite[]) => {
    try {
      if (typeof err === "object" && err !== null) callSites.set(err, sites);
    } catch {
      /* a frozen or exotic object */
    }
    if (previous) return previous(err, sites) as unknown;
    const frame = (s: NodeJS.CallSite) => (s as unknown as { toString(): string }).toString();
    return `${Error.prototype.toString.call(err)}${sites.map((s) => `\n    at ${frame(s)}`).join("")}`;
  };
}

const TSLAB_FILES = [
  path.join(PACKAGE_ROOT, "node_modules", "tslab") + path.sep,
  path.join(PACKAGE_ROOT, "node_modules", "@tslab") + path.sep,
];

/** Whether a frame in `file` is the user's: not threadlab's, tslab's or Node's own. */
function usersFile(file: string): boolean {
  if (!file || file.startsWith("node:") || file.startsWith("evalmachine.") || file === "<anonymous>") return false;
  if (TSLAB_FILES.some((d) => file.startsWith(d))) return false;
  return !isInternalFrame(`    at x (${file}:1:1)`);
}

const CELL_FILE = /^<cell (\d+)(?: silent \d+)?>$/;

/** A frame of `file:line:column` at V8's position (mapped to the cell's lines), or undefined to drop it. */
function frameAt(file: string, line: number, column: number, fn: string | undefined, mapped: boolean): Frame | undefined {
  if (!usersFile(file)) return undefined;
  if (CELL_FILE.test(file)) {
    const source = cellSources.get(file);
    if (!mapped) {
      const pos = userPosition(file, line, column);
      // No position in the cell: the wrapper's own line (the call that runs the cell), or code
      // the compiler added.
      if (!pos) return undefined;
      line = pos.line;
      column = pos.column;
    } else if (source && line > source.lines.length) return undefined;
    return { file, line, column, fn, source };
  }
  if (/^<[\w ]+>$/.test(file)) return { file, line, column, fn };
  return { file, line, column, fn, source: existsSync(file) ? fileSource(file) : undefined };
}

function siteName(site: NodeJS.CallSite): string | undefined {
  const fn = site.getFunctionName();
  if (!fn) return undefined;
  if (site.isConstructor()) return `new ${fn}`;
  const type = site.isToplevel() ? null : site.getTypeName();
  return type && !["Object", "global", "undefined", "Function", "Proxy"].includes(type) && !fn.startsWith(`${type}.`)
    ? `${type}.${fn}`
    : fn;
}

function framesFromSites(sites: NodeJS.CallSite[]): Frame[] {
  const frames: Frame[] = [];
  for (const site of sites) {
    const file = site.getFileName() ?? site.getScriptNameOrSourceURL();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (!file || line === null || column === null || site.isEval() || site.isNative()) continue;
    const frame = frameAt(file, line, column, siteName(site), false);
    if (frame) frames.push(frame);
  }
  return frames;
}

const TEXT_FRAME = /^\s+at (?:async )?(?:(.*?) \()?([^()]+?):(\d+):(\d+)\)?$/;

/** Frames read from a stack's text (an error rebuilt from another thread: its stack is already mapped). */
function framesFromText(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split("\n")) {
    const m = TEXT_FRAME.exec(line);
    if (!m || isInternalFrame(line)) continue;
    const fn = m[1] && m[1] !== "<anonymous>" ? m[1].replace(/^Object\./, "").replace(/ \[as \w+\]$/, "") : undefined;
    const frame = frameAt(m[2], Number(m[3]), Number(m[4]), fn, true);
    if (frame) frames.push(frame);
  }
  return frames;
}

// ---- one frame, as IPython shows it ---------------------------------------------------------------

function arrow(lineno: number): string {
  const pad = NUMBERS_WIDTH - String(lineno).length;
  return `${pad >= 2 ? `${"-".repeat(pad - 2)}> ` : pad === 1 ? ">" : ""}${lineno}`;
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** The innermost function around `pos`, and the call (or `new`) whose callee sits at `pos`. */
function around(ast: ts.SourceFile, pos: number): { fn?: ts.FunctionLikeDeclaration; call?: ts.Node } {
  let fn: ts.FunctionLikeDeclaration | undefined;
  let call: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (pos < node.getStart(ast) || pos >= node.end) return;
    if (isFunctionLike(node) && node.body && pos >= node.body.getStart(ast)) fn = node;
    if (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isTaggedTemplateExpression(node)) {
      const callee = ts.isTaggedTemplateExpression(node) ? node.tag : node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
      if (node.getStart(ast) === pos || name.getStart(ast) === pos) call = node;
    }
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return { fn, call };
}

function functionName(fn: ts.SignatureDeclaration, ast: ts.SourceFile): string {
  if (fn.name) return fn.name.getText(ast);
  if (ts.isConstructorDeclaration(fn)) return "constructor";
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(ast);
  }
  return "<lambda>";
}

function parameters(fn: ts.SignatureDeclaration, ast: ts.SourceFile): string {
  return fn.parameters.map((p) => `${p.dotDotDotToken ? "..." : ""}${p.name.getText(ast)}`).join(", ");
}

function formatFrame(frame: Frame): string {
  const { source } = frame;
  const where = source?.cell !== undefined ? `In [${source.cell}], line ${frame.line}` : `${frame.file}:${frame.line}`;
  let head = `${source?.cell !== undefined ? "Cell" : "File"} ${C.green}${where}${C.normal}`;
  let highlight: [number, number] | undefined;
  if (source) {
    const ast = astOf(source, frame.file.startsWith("<") ? "cell.ts" : frame.file);
    const lineStart = ast.getPositionOfLineAndCharacter(Math.min(frame.line, ast.getLineStarts().length) - 1, 0);
    const pos = Math.min(lineStart + frame.column - 1, source.text.length);
    const { fn, call } = around(ast, pos);
    if (fn) {
      const name = frame.fn?.replace(/^new /, "") ?? functionName(fn, ast);
      head += `, in ${C.cyan}${name}${C.blue}(${parameters(fn, ast)})${C.normal}`;
    }
    if (call) {
      const end = Math.min(call.end, lineStart + source.lines[frame.line - 1].length);
      highlight = [call.getStart(ast) - lineStart, end - lineStart];
    }
  } else if (frame.fn) head += `, in ${C.cyan}${frame.fn}${C.blue}()${C.normal}`;
  if (!source) return `${head}\n`;
  let text = `${head}\n`;
  const first = Math.max(1, frame.line - CONTEXT);
  const last = Math.min(source.lines.length, frame.line + CONTEXT);
  for (let n = first; n <= last; n++) {
    let line = source.lines[n - 1].replace(/\r$/, "");
    if (n === frame.line) {
      if (highlight && highlight[1] > highlight[0]) {
        line = `${line.slice(0, highlight[0])}${C.highlight}${line.slice(highlight[0], highlight[1])}${C.noHighlight}${line.slice(highlight[1])}`;
      }
      text += `${C.green}${arrow(n)}${C.normal} ${line}\n`;
    } else if (line.trim() !== "") {
      text += `${C.boldGreen}${String(n).padStart(NUMBERS_WIDTH)}${C.normal} ${line}\n`;
    }
  }
  return text;
}

// ---- errors -----------------------------------------------------------------------------------

/** The name Python would show: the error's class (`class MyError extends Error {}` is MyError). */
function errorName(err: Error): string {
  const name = typeof err.name === "string" && err.name ? err.name : "Error";
  const ctor = (err.constructor as { name?: string } | undefined)?.name;
  return name === "Error" && ctor && ctor !== "Error" && ctor !== "Object" ? ctor : name;
}

function isErrorLike(v: unknown): v is Error {
  return (
    v instanceof Error ||
    (typeof v === "object" && v !== null && typeof (v as Error).message === "string" && typeof (v as Error).stack === "string")
  );
}

function header(ename: string): string {
  const rpad = "Traceback (most recent call last)";
  return `${C.red}${ename}${C.normal}${" ".repeat(Math.max(1, WIDTH - ename.length - rpad.length))}${rpad}`;
}

function lastLine(ename: string, evalue: string): string {
  return `${C.red}${ename}${C.normal}: ${evalue}`;
}

/** The frames of `err`, outermost first. */
function framesOf(err: Error): Frame[] {
  const stack = typeof err.stack === "string" ? err.stack : "";
  const sites = callSites.get(err);
  return (sites ? framesFromSites(sites) : framesFromText(stack)).reverse();
}

function block(err: Error, ename: string, evalue: string): string[] {
  return [header(ename), ...framesOf(err).map(formatFrame), lastLine(ename, evalue)];
}

/** An error thrown by a cell (or by a callback it started), as an `error` message's content. */
export function formatError(err: unknown): CellError {
  if (!isErrorLike(err)) {
    const evalue = inspect(err, { depth: 2, colors: false });
    return { ename: "Uncaught", evalue, traceback: [lastLine("Uncaught", evalue)] };
  }
  let ename = errorName(err);
  let evalue = String(err.message);
  if (/Script execution was interrupted by `SIGINT`/.test(evalue)) {
    ename = "KeyboardInterrupt";
    evalue = "";
  }
  const traceback = [`${C.red}${"-".repeat(WIDTH)}${C.normal}`];
  // Causes first, as Python prints `raise ... from ...` chains.
  const chain: Error[] = [];
  for (
    let cause = (err as { cause?: unknown }).cause;
    isErrorLike(cause) && chain.length < 5;
    cause = (cause as { cause?: unknown }).cause
  ) {
    chain.unshift(cause);
  }
  for (const cause of chain) {
    traceback.push(...block(cause, errorName(cause), String(cause.message)));
    traceback.push("\nThe above exception was the direct cause of the following exception:\n");
  }
  traceback.push(...block(err, ename, evalue));
  return { ename, evalue, traceback };
}

export interface CellDiagnostic {
  start: { line: number; character: number };
  end: { line: number; character: number };
  messageText: string;
  fileName?: string;
}

/** A cell that does not compile, as IPython shows a SyntaxError: where, the line, a caret under the column. */
export function formatDiagnostics(diagnostics: CellDiagnostic[], filename: string, cwd: string): CellError {
  const cell = cellSources.get(filename);
  const traceback = diagnostics.map((d) => {
    const source = d.fileName ? fileSource(path.resolve(cwd, d.fileName)) : cell;
    const where = d.fileName
      ? `File ${C.green}${d.fileName}:${d.start.line + 1}`
      : `Cell ${C.green}In [${cell?.cell ?? "?"}], line ${d.start.line + 1}`;
    let text = `${C.cyan}  ${where}${C.cyan}${C.normal}\n`;
    const line = source?.lines[d.start.line]?.replace(/\r$/, "");
    if (line !== undefined) {
      const indent = line.length - line.trimStart().length;
      const shown = line.trim();
      const from = Math.max(0, d.start.character - indent);
      const to = d.end.line === d.start.line ? Math.max(from + 1, d.end.character - indent) : Math.max(from + 1, shown.length);
      text += `${C.red}    ${shown}${C.normal}\n${C.normal}    ${" ".repeat(from)}${"^".repeat(Math.min(to, Math.max(shown.length, from + 1)) - from)}${C.normal}\n`;
    }
    return `${text}${C.red}TypeScriptError${C.normal}${C.red}:${C.normal} ${d.messageText}`;
  });
  const first = diagnostics[0];
  const at = first.fileName ?? `<cell ${cell?.cell ?? "?"}>`;
  return { ename: "TypeScriptError", evalue: `${first.messageText} (${at}, line ${first.start.line + 1})`, traceback };
}
