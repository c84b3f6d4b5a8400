/**
 * The scripts functions come from: the exact text V8 compiled for a script
 * (a file, a ts-node module, a notebook cell, a thread's rebuilt program),
 * what a traceback should call it, and how its positions map back to what
 * the user wrote. From a script's text and a function's location we learn
 * two things the inspector does not tell:
 *
 * - which of the function's outer variables can never change (a `const`, a
 *   function never reassigned, an import): their values can be kept from one
 *   `start()` to the next instead of being read again;
 * - where each line of the function is in the user's file (`Origin`), so that
 *   a thread's traceback names the user's file, line and column.
 */
import type * as acorn from "acorn";
import type * as eslintScope from "eslint-scope";
import { acornParser, scopeAnalyzer } from "./parser";
import { readFileSync } from "fs";
import * as path from "path";
import { fileURLToPath } from "url";
import { scriptSource, type FunctionLocation } from "./inspector";
import { compiledScripts } from "./rebuild";
import { inlineSourceMap, type DecodedMap } from "./source-map";
import { userPosition } from "./stacks";

export interface KnownScript {
  /** The exact text V8 compiled. */
  code: string;
  /** What a traceback calls it: a path, or a name such as `<cell 3>`. */
  file: string;
  /** From positions in `code` to the user's source (a TypeScript file, a cell); none: the same positions. */
  map?: DecodedMap;
  /** How `code` parses: as a module (ES) or a script (CommonJS, a function body). */
  module?: boolean;
}

/**
 * Where a function's lines are in the user's source, shipped with its
 * program: `line`/`column` (1-based) of its first character, or per line of
 * the function's text the mappings `[column in that line, user line, user column]`.
 */
export interface Origin {
  file: string;
  line: number;
  column: number;
  lines?: Array<Array<[number, number, number]>>;
}

type Provider = () => Iterable<KnownScript>;
// First the programs this thread compiled (a function a thread defines and hands on is found there).
const providers: Provider[] = [compiledScripts];

/** Adds scripts to look a function up in before asking V8 (the kernel's cells, a worker's programs). */
export function addScriptProvider(provider: Provider): void {
  providers.push(provider);
}

interface Parsed {
  ast: acorn.Program;
  scopes: eslintScope.ScopeManager;
}

interface ScriptInfo extends KnownScript {
  lineStarts: number[];
  parsed?: Parsed | null;
}

const byId = new Map<string, ScriptInfo | null>();
const byFile = new Map<string, KnownScript | null>();

function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = code.indexOf("\n"); i >= 0; i = code.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** Where the text of a function whose location points at `offset` starts in `code`, if it is there. */
function startOf(code: string, offset: number, fnText: string): number | undefined {
  const max = Math.min(fnText.length - 1, offset, 2000);
  for (let k = 0; k <= max; k++) {
    if (code.charCodeAt(offset) !== fnText.charCodeAt(k)) continue;
    if (code.startsWith(fnText, offset - k)) return offset - k;
  }
  return undefined;
}

/** The script a file holds, as V8 compiled it: the file itself, or for TypeScript what ts-node made of it. */
function scriptOfFile(file: string): KnownScript | null {
  if (byFile.has(file)) return byFile.get(file)!;
  let script: KnownScript | null = null;
  try {
    const text = readFileSync(file, "utf8");
    if (/\.[cm]?tsx?$/.test(file)) {
      const service = (process as unknown as Record<symbol, { compile(code: string, file: string): string } | undefined>)[
        Symbol.for("ts-node.register.instance")
      ];
      if (service) {
        const code = service.compile(text, file);
        script = { code, file, map: inlineSourceMap(code) };
      }
    } else script = { code: text, file, module: /\.mjs$/.test(file) || undefined };
  } catch {
    script = null;
  }
  byFile.set(file, script);
  return script;
}

function pathOfUrl(url: string): string {
  try {
    return url.startsWith("file:") ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
}

/**
 * The script `location` is in, found among the registered scripts and the
 * caller's file, or else asked of V8 (which costs a few tens of milliseconds
 * once per script). Undefined for code with no source to speak of (eval).
 */
function scriptAt(location: FunctionLocation, fnText: string, callerFile: string | undefined): ScriptInfo | undefined {
  const cached = byId.get(location.scriptId);
  if (cached !== undefined) return cached ?? undefined;
  const matches = (s: KnownScript): ScriptInfo | undefined => {
    const starts = lineStarts(s.code);
    const offset = (starts[location.lineNumber] ?? -1) + location.columnNumber;
    if (offset < 0 || offset >= s.code.length || startOf(s.code, offset, fnText) === undefined) return undefined;
    return { ...s, lineStarts: starts };
  };
  let found: ScriptInfo | undefined;
  for (const provider of providers) {
    for (const s of provider()) if ((found = matches(s))) break;
    if (found) break;
  }
  if (!found && callerFile) {
    const s = scriptOfFile(callerFile);
    if (s) found = matches(s);
  }
  if (!found) {
    const asked = scriptSource(location.scriptId);
    if (asked && asked.url) {
      const file = pathOfUrl(asked.url);
      found = matches({
        code: asked.source,
        file,
        map: inlineSourceMap(asked.source),
        module: asked.url.endsWith(".mjs") || undefined,
      });
    }
  }
  byId.set(location.scriptId, found ?? null);
  return found;
}

function parse(script: ScriptInfo): Parsed | null {
  if (script.parsed !== undefined) return script.parsed;
  const attempt = (module: boolean): Parsed | null => {
    try {
      const ast = acornParser().parse(script.code, {
        ecmaVersion: "latest",
        sourceType: module ? "module" : "script",
        allowReturnOutsideFunction: !module,
        allowAwaitOutsideFunction: true,
        allowHashBang: true,
        ranges: true,
      });
      const scopes = scopeAnalyzer().analyze(ast, { ecmaVersion: 2022, sourceType: module ? "module" : "script" });
      return { ast, scopes };
    } catch {
      return null;
    }
  };
  script.parsed = attempt(!!script.module) ?? attempt(!script.module);
  return script.parsed;
}

interface Node {
  type: string;
  start: number;
  end: number;
}

const FUNCTION_TYPES = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ClassDeclaration",
  "ClassExpression",
]);

/** The innermost function or class node that ends where the function's text ends and starts within it. */
function functionNode(ast: acorn.Program, start: number, end: number): Node | undefined {
  let found: Node | undefined;
  const visit = (node: Node): void => {
    if (node.start > end || node.end < end) return;
    if (FUNCTION_TYPES.has(node.type) && node.end === end && node.start >= start) found = node;
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) for (const v of value) if (v && typeof (v as Node).type === "string") visit(v as Node);
      if (value && typeof (value as Node).type === "string" && value !== node) visit(value as Node);
    }
  };
  visit(ast);
  return found;
}

/** A located function: its script and where its text starts there. */
export interface Located {
  script: ScriptInfo;
  start: number;
  text: string;
}

/** Finds the script and the position of `fn`'s text. */
export function locate(
  location: FunctionLocation | undefined,
  fnText: string,
  callerFile: string | undefined,
): Located | undefined {
  if (!location) return undefined;
  const script = scriptAt(location, fnText, callerFile);
  if (!script) return undefined;
  const offset = script.lineStarts[location.lineNumber] + location.columnNumber;
  const start = startOf(script.code, offset, fnText);
  return start === undefined ? undefined : { script, start, text: fnText };
}

/**
 * Of `names` (outer variables of the located function), the ones that can
 * never hold another value: declared once and never assigned again.
 * Unknown scripts and names make nothing stable.
 */
export function stableNames(at: Located | undefined, names: readonly string[]): Set<string> {
  const stable = new Set<string>();
  if (!at) return stable;
  const parsed = parse(at.script);
  if (!parsed) return stable;
  const node = functionNode(parsed.ast, at.start, at.start + at.text.length);
  if (!node) return stable;
  const own = parsed.scopes.acquire(node);
  const global = parsed.scopes.globalScope;
  for (const name of names) {
    let variable: eslintScope.Variable | undefined;
    for (let s: eslintScope.Scope | null = own?.upper ?? null; s && !variable; s = s.upper) variable = s.set.get(name);
    if (variable) {
      const writes = variable.references.filter((r) => r.isWrite());
      const declaredOnce = variable.defs.length === 1;
      if (declaredOnce && writes.every((r) => r.init) && writes.length <= 1) stable.add(name);
    } else if (global && !global.through.some((r) => r.identifier.name === name && r.isWrite())) {
      // Not declared in this text (a CommonJS wrapper's `require`, a cell's `exports`): stable unless assigned.
      stable.add(name);
    }
  }
  return stable;
}

/** Where the located function's text is in the user's source. */
export function originOf(at: Located | undefined): Origin | undefined {
  if (!at) return undefined;
  const { script, start, text } = at;
  let line = 0;
  while (line + 1 < script.lineStarts.length && script.lineStarts[line + 1] <= start) line++;
  const column = start - script.lineStarts[line];
  if (script.file.startsWith("<thread ")) return throughProgram(script.file, line, column, text);
  const map = script.map;
  if (!map) return { file: script.file, line: line + 1, column: column + 1 };
  const count = text.split("\n").length;
  const lines: Array<Array<[number, number, number]>> = [];
  for (let k = 0; k < count; k++) {
    const base = k === 0 ? column : 0;
    const here = map.lines[line + k] ?? [];
    const entries: Array<[number, number, number]> = [];
    for (const m of here) {
      const c = m.column - base;
      if (c < 0) {
        // A mapping before the function starts on its first line: it holds for column 0 on.
        entries[0] = [0, m.line + 1, m.originalColumn + 1 - c];
        continue;
      }
      entries.push([c, m.line + 1, m.originalColumn + 1]);
    }
    lines.push(entries.filter(Boolean));
  }
  const first = lines[0]?.[0];
  return { file: script.file, line: first ? first[1] : line + 1, column: first ? first[2] : column + 1, lines };
}

/** A function a thread defined: its lines are where its program's own origins put them. */
function throughProgram(filename: string, line: number, column: number, text: string): Origin | undefined {
  const first = userPosition(filename, line + 1, column + 1);
  if (!first) return undefined;
  const lines: Array<Array<[number, number, number]>> = [];
  const count = text.split("\n").length;
  for (let k = 0; k < count; k++) {
    const pos = k === 0 ? first : userPosition(filename, line + k + 1, 1);
    lines.push(pos ? [[0, pos.line, pos.column]] : []);
  }
  return { file: first.file, line: first.line, column: first.column, lines };
}

/** The file a located function comes from, when it is a file (for its imports). */
export function fileOf(at: Located | undefined): string | undefined {
  return at && path.isAbsolute(at.script.file) ? at.script.file : undefined;
}
