/**
 * Runs cells, as tslab's executor does: each cell is compiled by the cell
 * compiler (compiler.ts: type-checked TypeScript, with the declarations of
 * earlier cells) and run in this context; a cell's outcome is what the
 * protocol needs to report it. Also completion and inspection, on the same
 * compiler, and is-complete. No sockets and no messages here: handler.ts
 * speaks the protocol.
 */
import { createHash } from "crypto";
import * as path from "path";
import * as vm from "vm";
import * as ts from "@tslab/typescript-for-tslab";
import { KeyboardInterrupt } from "../src/errors";
import { addScriptProvider, installStackMapping, parseImports, registerScriptMap, type KnownScript } from "../src/host";
import { cellMap } from "./cell-map";
import { CellCompiler, type Compiled } from "./compiler";
import { cellContext } from "./context";
import { addSideOutputs, forwardThreadlabTypes } from "./modules";
import { noteCellImports, tslabGlobal } from "./notebook";
import { captureCallSites, formatDiagnostics, formatError, noteCellSource, type CellError } from "./traceback";

export type { CellError } from "./traceback";

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
captureCallSites();
// Python shows every frame; V8 keeps 10, and threadlab's own frames (dropped from tracebacks) count.
Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 50);
let compiler: CellCompiler | undefined;

function theCompiler(): CellCompiler {
  if (!compiler) {
    forwardThreadlabTypes(cwd);
    compiler = new CellCompiler(cwd);
  }
  return compiler;
}

/** What warm-up compiles: threadlab's import and a few of its types, so the checker has them loaded. */
const WARM_CELLS = [
  `import { Thread, Lock, Value, sleep, print } from "threadlab";
const warmLock: Lock = new Lock();
const warmThread = new Thread({ target: (n: number) => print(n), args: [1] });
warmLock.locked();`,
  `const warmList = [1, 2, 3].map((x) => x * 2);\nwarmList.length`,
];

/**
 * Loads the compiler and primes it, so that the first cell is quick: TypeScript
 * parses the standard library, Node's and threadlab's types once, for the
 * compiler's program, the type checker runs on threadlab's API, and the
 * library's API module is loaded as a cell's `require` loads it.
 */
export function warmUp(): void {
  const c = theCompiler();
  for (const cell of WARM_CELLS) c.compile("", cell);
  tslabGlobal().require("threadlab");
}

/** The error message of a cell that threw `err`. */
export function errorOf(err: unknown): CellError {
  return formatError(err);
}

// ---- interrupting a top-level await -----------------------------------------------------------

let abandonAwait: ((err: Error) => void) | undefined;

/** Ends the top-level await of the running cell with KeyboardInterrupt; false if no cell awaits. */
export function interruptAwait(): boolean {
  if (!abandonAwait) return false;
  abandonAwait(new KeyboardInterrupt(""));
  return true;
}

/** Waits for `p`, unless an interrupt comes first. */
function interruptible<T>(p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    abandonAwait = reject;
    p.then(resolve, reject);
  }).finally(() => {
    abandonAwait = undefined;
  });
}

// ---- the last expression -----------------------------------------------------------------------

const ASSIGNMENTS = new Set([
  ts.SyntaxKind.EqualsToken,
  ts.SyntaxKind.PlusEqualsToken,
  ts.SyntaxKind.MinusEqualsToken,
  ts.SyntaxKind.AsteriskEqualsToken,
  ts.SyntaxKind.AsteriskAsteriskEqualsToken,
  ts.SyntaxKind.SlashEqualsToken,
  ts.SyntaxKind.PercentEqualsToken,
  ts.SyntaxKind.LessThanLessThanEqualsToken,
  ts.SyntaxKind.GreaterThanGreaterThanEqualsToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
  ts.SyntaxKind.AmpersandEqualsToken,
  ts.SyntaxKind.BarEqualsToken,
  ts.SyntaxKind.CaretEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
]);

function parse(code: string): ts.SourceFile {
  return ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Whether the cell's last statement is an assignment (`d.daemon = true;`): IPython shows nothing for one. */
export function endsWithAssignment(code: string): boolean {
  const statements = parse(code).statements;
  const last = statements[statements.length - 1];
  return (
    last !== undefined &&
    ts.isExpressionStatement(last) &&
    ts.isBinaryExpression(last.expression) &&
    ASSIGNMENTS.has(last.expression.operatorToken.kind)
  );
}

const PENDING = Symbol("pending");

/**
 * A promise as a cell's value: one that has settled by the next turn shows as
 * what it settled to (a rejection is the cell's error, once); a pending one
 * shows as pending, and a later rejection goes to the cell's stderr.
 */
async function settle(p: Promise<unknown>, onLateRejection: (err: unknown) => void): Promise<Outcome> {
  let late = false;
  const result = await Promise.race([
    p.then(
      (value) => ({ value }),
      (error: unknown) => {
        if (late) onLateRejection(error);
        return { error };
      },
    ),
    new Promise<typeof PENDING>((r) => setImmediate(() => r(PENDING))),
  ]);
  if (result === PENDING) {
    late = true;
    return { ok: true, value: p, hasValue: true };
  }
  if ("error" in result) return { ok: false, error: errorOf(result.error) };
  return { ok: true, value: p, hasValue: true };
}

// ---- a cell -------------------------------------------------------------------------------------

export interface CellRun {
  /** Names the cell in stack traces: `<cell N>`. */
  filename: string;
  /** Its execution count (tracebacks say `In [N]`). */
  count: number;
  /** The id its output goes to: code it starts runs in this cell's context. */
  cell: number;
  beforeRun: () => void;
  /** Where a rejection of a pending promise the cell ended with goes. */
  onLateRejection: (err: unknown) => void;
}

// ---- compiled cells, kept for when they run again ------------------------------------------------

/**
 * Cells run again unchanged reuse their compiled form. What the compiler makes
 * of a cell depends on the cell's code and the declarations of the cells before
 * it (prevDecl), and on the types of the modules it imports: so the key is a
 * SHA-256 of the declarations and the code, and a cell that imports one of the
 * user's own files (a relative or absolute path, or a triple-slash reference) is
 * compiled every time, since the file may have changed. Packages' types are taken
 * to stand during a session. Only cells that compiled without an error are kept.
 * (Compiling the lock lesson's cell takes 20-40 ms; running it again in a notebook,
 * to see the threads interleave differently, is common.)
 */
const compiledCells = new Map<string, Compiled>();
const COMPILED_CELLS_MAX = 64;
const USER_FILE_IMPORT = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'`](?:\.{1,2}[\\/]|\/)|\/\/\/\s*<reference/;

function convertCell(code: string): Compiled {
  const cacheable = !USER_FILE_IMPORT.test(code);
  const key = cacheable ? createHash("sha256").update(prevDecl).update("\0").update(code).digest("base64") : "";
  const kept = cacheable ? compiledCells.get(key) : undefined;
  if (kept) {
    compiledCells.delete(key); // most recently used last
    compiledCells.set(key, kept);
    return kept;
  }
  const converted = theCompiler().compile(prevDecl, code);
  if (cacheable && converted.diagnostics.length === 0) {
    compiledCells.set(key, converted);
    if (compiledCells.size > COMPILED_CELLS_MAX) compiledCells.delete(compiledCells.keys().next().value as string);
  }
  return converted;
}

/** Compiles and runs one cell. */
export async function runCell(code: string, run: CellRun): Promise<Outcome> {
  noteCellSource(run.filename, run.count, code);
  const converted = convertCell(code);
  if (converted.diagnostics.length > 0) {
    return { ok: false, error: formatDiagnostics(converted.diagnostics, run.filename, cwd) };
  }
  if (converted.sideOutputs) addSideOutputs(converted.sideOutputs);
  noteCellImports(parseImports(code, path.join(cwd, "cell.ts")));
  if (!converted.output) {
    prevDecl = converted.declOutput ?? "";
    return { ok: true };
  }
  const prefix = converted.hasToplevelAwait ? "(async function(exports, require) { " : "(function(exports, require) { ";
  const wrapped = `${prefix}${converted.output}\n})(__tslab__.exports, __tslab__.require)`;
  const map = cellMap(code, converted.output, prefix);
  registerScriptMap(run.filename, map);
  if (cells.length >= 500) cells.shift();
  cells.push({ code: wrapped, file: run.filename, map });
  // The cell's declarations stand even if it fails part way, as in Python: what ran before the
  // error (or the interrupt) has been assigned, and later cells may use it.
  prevDecl = converted.declOutput ?? "";
  try {
    run.beforeRun();
    const ret = cellContext.run(run.cell, (): unknown =>
      vm.runInThisContext(wrapped, { breakOnSigint: true, displayErrors: false, filename: run.filename }),
    );
    if (converted.hasToplevelAwait) await interruptible(ret as Promise<unknown>);
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
  const exports = tslabGlobal().exports;
  if (converted.lastExpressionVar && converted.lastExpressionVar in exports) {
    const value = exports[converted.lastExpressionVar];
    delete exports[converted.lastExpressionVar];
    if (value === undefined || endsWithAssignment(code)) return { ok: true };
    if (value instanceof Promise) return settle(value, run.onLateRejection);
    return { ok: true, value, hasValue: true };
  }
  return { ok: true };
}

/** Completion candidates at `position`. */
export function complete(code: string, position: number): { start: number; end: number; candidates: string[] } {
  return theCompiler().complete(prevDecl, code, position);
}

const NOT_CALLEES = new Set(["if", "for", "while", "switch", "catch", "function", "return", "typeof", "await", "yield", "with"]);

/**
 * Where the called function's name is when `position` is inside a call's
 * argument list (`sleep(|`, `sleep(1, |`, `lk.acquire(true, |`): the name
 * before the innermost `(` still open at the cursor, as IPython's inspect
 * prefers the function being called. Read from the tokens, so that a cell
 * cut off mid-call (as it is while one types) works.
 */
export function calleeAt(code: string, position: number): number | undefined {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code.slice(0, position));
  const open: Array<{ kind: ts.SyntaxKind; before?: { kind: ts.SyntaxKind; text: string; start: number } }> = [];
  let previous: { kind: ts.SyntaxKind; text: string; start: number } | undefined;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (
      kind === ts.SyntaxKind.OpenParenToken ||
      kind === ts.SyntaxKind.OpenBracketToken ||
      kind === ts.SyntaxKind.OpenBraceToken
    ) {
      open.push({ kind, before: previous });
    } else if (
      kind === ts.SyntaxKind.CloseParenToken ||
      kind === ts.SyntaxKind.CloseBracketToken ||
      kind === ts.SyntaxKind.CloseBraceToken
    ) {
      open.pop();
    }
    previous = { kind, text: scanner.getTokenText(), start: scanner.getTokenPos() };
  }
  for (let i = open.length - 1; i >= 0; i--) {
    const { kind, before } = open[i];
    if (kind !== ts.SyntaxKind.OpenParenToken || !before) continue;
    if (before.kind === ts.SyntaxKind.Identifier && !NOT_CALLEES.has(before.text)) return before.start;
  }
  return undefined;
}

/** What the type checker knows of the name at `position` (or of the function called there), as text; undefined if nothing. */
export function inspectAt(code: string, position: number): string | undefined {
  const c = theCompiler();
  const callee = calleeAt(code, position);
  const info = (callee !== undefined ? c.quickInfo(prevDecl, code, callee) : undefined) ?? c.quickInfo(prevDecl, code, position);
  if (!info) return undefined;
  const { printQuickInfo } = require("tslab/dist/inspect") as typeof import("tslab/dist/inspect");
  return printQuickInfo(info);
}

/** Whether `code` is a complete cell, and the indent to continue with if not. */
export function isComplete(code: string): { completed: boolean; indent?: string } {
  const { isCompleteCode } = require("tslab/dist/converter") as typeof import("tslab/dist/converter");
  return isCompleteCode(code);
}
