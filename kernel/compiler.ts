/**
 * Compiles cells: type-checked TypeScript to the JavaScript that runs, with
 * the declarations of the earlier cells in scope. What it makes of a cell is
 * what tslab's converter makes (the same JavaScript, the same declarations),
 * but for one thing: the notebook's names behave as Python's globals (see
 * `ownGlobal`). It takes one program update per cell instead of two: the
 * cell's top-level names, which tslab learns from a first program, are read
 * from a parse of the cell alone; and the program is a plain
 * `ts.createProgram` given the last one (TypeScript reuses its unchanged
 * files) instead of a watch program's builder, which compares the signature
 * of every file on every update.
 *
 * A cell is compiled as two files: the declarations of the earlier cells
 * (`__prev__.d.ts`) and the cell itself (`__cell__.ts`), whose parent is made
 * the declarations file so that its names resolve there. Both start with
 * `export {};`, which makes them modules. The cell ends with
 * `export { <its top-level names> }`, so that its JavaScript assigns them to
 * `exports` (the notebook's names) and its declarations cover them; the
 * earlier cells' names, and the cell's own where they are used, are
 * rewritten to `exports.NAME`. The cell's declarations, with the earlier
 * ones it did not redeclare, are the next cell's.
 */
import * as path from "path";
import * as ts from "@tslab/typescript-for-tslab";
import { PACKAGE_ROOT } from "../src/host";
import type { CellDiagnostic } from "./traceback";

export interface CompileDiagnostic extends CellDiagnostic {
  start: { offset: number; line: number; character: number };
  end: { offset: number; line: number; character: number };
  category: ts.DiagnosticCategory;
  code: number;
}

export interface Compiled {
  /** The cell's JavaScript (CommonJS, run with `exports` and `require`); absent if it did not compile. */
  output?: string;
  /** The declarations of every top-level name so far: the next cell's `prevDecl`. */
  declOutput?: string;
  diagnostics: CompileDiagnostic[];
  /** Whether the cell awaits at its top level (it runs as an async function). */
  hasToplevelAwait?: boolean;
  /** The user's own files the cell imports, compiled (CommonJS), where they changed since last compiled. */
  sideOutputs?: { path: string; data: string }[];
  /** The name in `exports` the value of the cell's last expression is assigned to. */
  lastExpressionVar?: string;
}

export interface Completion {
  start: number;
  end: number;
  candidates: string[];
}

/** What makes both files modules; positions in them are the cell's plus its length. */
const PREFIX = "export {};\n";
const LAST_EXPR = "tsLastExpr";
/**
 * What TypeScript says of an `await` at the top level, which a cell may use (it runs as an async
 * function): "'await' expressions are only allowed within async functions ..." (1308, since
 * `disableTopLevelAwait` is set) and "Top-level 'for await' loops are only allowed when the
 * 'module' option is set to ..." (1432).
 */
const TOP_LEVEL_AWAIT = new Set([1308, 1432]);
const NEVER_CANCELLED: ts.CancellationToken = {
  isCancellationRequested: () => false,
  throwIfCancellationRequested: () => undefined,
};

/** TypeScript's binder, which the public API does not export; it fills a file's `locals`. */
type Bind = (file: ts.SourceFile, options: ts.CompilerOptions) => void;
type WithLocals = { locals?: Map<string, ts.Symbol> };

const norm = (p: string) => p.replace(/\\/g, "/");
/** tslab's package folder: its own types (`import ... from "tslab"`) and its @types/node. */
const TSLAB_ROOT = norm(path.dirname(require.resolve("tslab/package.json")));
/** `exports.<name>`: how a cell reads a notebook name. */
const exportsMember = (f: ts.NodeFactory, name: string | ts.Identifier) =>
  f.createPropertyAccessExpression(f.createIdentifier("exports"), name);

/**
 * Whether `symbol` is one of the cell's own notebook names that live in `exports`, as a Python
 * module's globals: a top-level `let`/`const`/`var` of one name, a function or a class. Every use
 * of it reads and writes `exports.NAME`, so that a function sees the name's value when it runs (a
 * later cell's redefinition, an assignment in another cell), as a Python function sees a global.
 * Left alone: enums and namespaces (their emit refers to the local), destructured declarations,
 * a `for (var ...)` header's names, and `declare`d names (a global the code says exists).
 */
function ownGlobal(symbol: ts.Symbol, cell: ts.SourceFile): boolean {
  const decls = symbol.declarations;
  if (!decls || decls.length === 0) return false;
  return decls.every(
    (d) =>
      d.getSourceFile() === cell &&
      // `declare const x: T` says a global exists: its uses stay the global's
      (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Ambient) === 0 &&
      ((ts.isVariableDeclaration(d) &&
        ts.isIdentifier(d.name) &&
        ts.isVariableDeclarationList(d.parent) &&
        ts.isVariableStatement(d.parent.parent) &&
        d.parent.parent.parent === cell) ||
        ((ts.isFunctionDeclaration(d) || ts.isClassDeclaration(d)) && d.parent === cell)),
  );
}

/**
 * Where a use of the cell's own name `symbol` reads the local: in the statement that declares it
 * (`let a = 1, b = a + 1`, a class's static field naming the class), outside any function there.
 * The module transform sets exports.NAME only after that statement.
 */
function inOwnDeclaration(symbol: ts.Symbol, at: ts.Node): boolean {
  let decl: ts.Node | undefined = symbol.valueDeclaration;
  if (decl && ts.isVariableDeclaration(decl)) decl = decl.parent.parent;
  else if (!decl || !ts.isClassDeclaration(decl)) return false;
  for (let n: ts.Node | undefined = at; n && n !== decl; n = n.parent) {
    if (ts.isFunctionLike(n) || n.kind === ts.SyntaxKind.SourceFile) return false;
  }
  return true;
}

/** The name a declaration declares (not a use of it). */
function isDeclarationName(id: ts.Node): boolean {
  const parent = id.parent;
  return (
    parent !== undefined &&
    (ts.isVariableDeclaration(parent) ||
      ts.isFunctionDeclaration(parent) ||
      ts.isClassDeclaration(parent) ||
      ts.isBindingElement(parent) ||
      ts.isParameter(parent)) &&
    parent.name === id
  );
}

/** `exports.x = x;` as the module transform writes it after a declaration: its `x`. */
function syncedName(statement: ts.Statement): string | undefined {
  if (ts.getParseTreeNode(statement) && !isExportSource(statement)) return undefined;
  if (!ts.isExpressionStatement(statement) || !ts.isBinaryExpression(statement.expression)) return undefined;
  const { left, operatorToken, right } = statement.expression;
  if (operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isIdentifier(right)) return undefined;
  if (!ts.isPropertyAccessExpression(left) || !ts.isIdentifier(left.expression) || left.expression.text !== "exports")
    return undefined;
  return left.name.text === right.text ? right.text : undefined;
}

function isExportSource(statement: ts.Statement): boolean {
  const source = ts.getParseTreeNode(statement);
  return source !== undefined && (ts.isExportDeclaration(source) || ts.isExportSpecifier(source));
}

/** The cell's top-level symbol named `name`. */
function ownSymbol(cell: ts.SourceFile, name: string): ts.Symbol | undefined {
  return (cell as WithLocals).locals?.get(ts.escapeLeadingUnderscores(name) as string);
}

/** The emit's prologue: `Object.defineProperty(exports, "__esModule", ...)` or `exports.a = exports.b = void 0`. */
function isPrologue(statement: ts.Statement): boolean {
  if (ts.getParseTreeNode(statement) || !ts.isExpressionStatement(statement)) return false;
  const e = statement.expression;
  if (ts.isCallExpression(e)) return true;
  let right: ts.Expression = e;
  while (ts.isBinaryExpression(right) && right.operatorToken.kind === ts.SyntaxKind.EqualsToken) right = right.right;
  return ts.isVoidExpression(right);
}

/** Node's ECMAScript level (Node 18 and later run ES2022). */
function targetOf(): { target: ts.ScriptTarget; lib: string } {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 18) return { target: ts.ScriptTarget.ES2022, lib: "lib.es2022.d.ts" };
  if (major >= 16) return { target: ts.ScriptTarget.ES2021, lib: "lib.es2021.d.ts" };
  return { target: ts.ScriptTarget.ES2020, lib: "lib.es2020.d.ts" };
}

interface CachedFile {
  file: ts.SourceFile;
  /** The file's modification time when read; undefined for files taken to stand (packages, the standard library). */
  mtime?: number;
}

export class CellCompiler {
  private readonly cwd: string;
  private readonly cellPath: string;
  private readonly declPath: string;
  private readonly outDir: string;
  private readonly options: ts.CompilerOptions;
  private readonly target: ts.ScriptTarget;
  private readonly host: ts.CompilerHost;
  /** Where TypeScript's standard library is (its files stand). */
  private readonly libDir = norm(path.dirname(ts.getDefaultLibFilePath({}))) + "/";
  private readonly files = new Map<string, CachedFile>();
  /** The user's files, by path, as last emitted: emitted again only when their text changes. */
  private readonly emitted = new Map<string, string>();
  private program: ts.Program | undefined;
  private cellText = PREFIX;
  private declText = PREFIX;

  constructor(cwd: string) {
    this.cwd = norm(cwd);
    this.cellPath = path.posix.join(this.cwd, "__cell__.ts");
    this.declPath = path.posix.join(this.cwd, "__prev__.d.ts");
    this.outDir = path.posix.join(this.cwd, "__threadlab_out__");
    const { target, lib } = targetOf();
    this.target = target;
    this.options = {
      module: ts.ModuleKind.CommonJS, // as the cell runs (tslab emits ES modules and transpiles them again: 10 ms a cell)
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      target,
      lib: [lib],
      declaration: true,
      newLine: ts.NewLineKind.LineFeed,
      noImplicitUseStrict: true,
      experimentalDecorators: true,
      resolveJsonModule: true,
      jsx: ts.JsxEmit.React,
      typeRoots: this.typeRoots(),
      allowJs: true, // the user's .js files, compiled with the cell
      checkJs: true,
      disableTopLevelAwait: true, // a top-level await is reported (1308), and the cell runs as an async function
      skipLibCheck: true,
      rootDir: this.cwd,
      outDir: this.outDir,
    };
    this.host = this.createHost();
    // The packages under the type roots, read once: TypeScript would read the package.json of
    // every one for every program (14 ms a cell with the 50 of this repository's node_modules/@types).
    this.options.types = ts.getAutomaticTypeDirectiveNames(this.options, this.host);
  }

  /** Compiles `code` after the cells whose declarations are `prevDecl`. */
  compile(prevDecl: string, code: string): Compiled {
    const names = this.topLevelNames(code);
    const exported = names.size > 0 ? `${code}\nexport {${[...names].join(", ")}}` : code;
    const { program, cell, decls } = this.update(prevDecl, exported);
    const deps = this.dependencies(program, cell);
    const { diagnostics, hasToplevelAwait } = this.diagnostics(program, cell, deps);
    if (diagnostics.length > 0) return { diagnostics };

    let output = "";
    let declOutput = "";
    let lastExpressionVar: string | undefined;
    const checker = program.getTypeChecker();
    const transformers: ts.CustomTransformers = {
      after: [
        (context) => (file) => {
          const result = this.rewriteCell(file, cell, decls, checker, context, names);
          lastExpressionVar = result.lastExpressionVar;
          return result.file;
        },
      ],
      afterDeclarations: [
        () => (file) =>
          ts.isSourceFile(file)
            ? ts.factory.updateSourceFile(
                file,
                file.statements.filter((s) => !ts.isExportDeclaration(s)),
              )
            : file,
      ],
    };
    const jsPath = path.posix.join(this.outDir, "__cell__.js");
    const dtsPath = path.posix.join(this.outDir, "__cell__.d.ts");
    const emitted = program.emit(
      cell,
      (fileName, data) => {
        if (norm(fileName) === jsPath) output = data;
        else if (norm(fileName) === dtsPath) declOutput = data;
      },
      NEVER_CANCELLED,
      false,
      transformers,
    );
    if (emitted.emitSkipped)
      throw new Error(
        `TypeScript emitted nothing for the cell: ${this.convert(emitted.diagnostics)
          .diagnostics.map((d) => d.messageText)
          .join("; ")}`,
      );

    const sideOutputs = this.emitDependencies(program, deps);
    declOutput += this.remainingDecls(checker, cell, decls);
    return {
      output,
      declOutput,
      diagnostics: [],
      hasToplevelAwait,
      sideOutputs,
      lastExpressionVar,
    };
  }

  /** What the type checker knows of the name at `position` of `code`. */
  quickInfo(prevDecl: string, code: string, position: number): ts.QuickInfo | undefined {
    const { program, cell } = this.update(prevDecl, code);
    const info = ts.getQuickInfoAtPosition(cell, program.getTypeChecker(), NEVER_CANCELLED, position + PREFIX.length);
    if (info?.textSpan) info.textSpan.start -= PREFIX.length;
    return info;
  }

  /**
   * Completions at `position` of `code`. Inside a name the candidates are those
   * that start with it, then those that start with it in any case, then those
   * that contain it; the range replaced is the name's.
   */
  complete(prevDecl: string, code: string, position: number): Completion {
    const { program, cell } = this.update(prevDecl, code);
    const pos = position + PREFIX.length;
    const info = ts.Completions.getCompletionsAtPositionForTslab(
      {} as ts.LanguageServiceHost,
      program,
      () => undefined,
      cell,
      pos,
      {},
      undefined,
      ts.CompletionTriggerKind.Invoked,
      NEVER_CANCELLED,
    );
    const entries = info?.entries ?? [];
    const word = this.nameAt(cell, pos);
    if (!word) {
      const sorted = [...entries].sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
      return { start: position, end: position, candidates: sorted.map((e) => e.name) };
    }
    const name = word.text;
    const lower = name.toLowerCase();
    const rank = (candidate: string): string | undefined => {
      if (candidate.startsWith(name)) return "0";
      const l = candidate.toLowerCase();
      if (l.startsWith(lower)) return "1";
      if (l.includes(lower)) return "2";
      return undefined;
    };
    const ranked: Array<{ name: string; key: string; index: number }> = [];
    entries.forEach((e, index) => {
      const r = rank(e.name);
      if (r !== undefined) ranked.push({ name: e.name, key: r + e.sortText, index });
    });
    ranked.sort((a, b) => a.key.localeCompare(b.key) || a.index - b.index);
    return { start: word.start - PREFIX.length, end: word.end - PREFIX.length, candidates: ranked.map((e) => e.name) };
  }

  // ---- the program ------------------------------------------------------------------------------

  private update(prevDecl: string, code: string): { program: ts.Program; cell: ts.SourceFile; decls: ts.SourceFile } {
    this.cellText = PREFIX + code;
    this.declText = PREFIX + prevDecl;
    const program = ts.createProgram({
      rootNames: [this.declPath, this.cellPath],
      options: this.options,
      host: this.host,
      oldProgram: this.program,
    });
    this.program = program;
    const cell = program.getSourceFile(this.cellPath);
    const decls = program.getSourceFile(this.declPath);
    if (!cell || !decls) throw new Error("the cell's program lost its own files");
    // The earlier cells' names resolve in the declarations file, as if it enclosed the cell.
    (cell as { parent?: ts.Node }).parent = decls;
    return { program, cell, decls };
  }

  private createHost(): ts.CompilerHost {
    const host = ts.createCompilerHost(this.options);
    const tslabDir = path.posix.join(this.cwd, "node_modules", "tslab");
    // `import ... from "tslab"` type-checks in any folder, as under tslab.
    const forward = (p: string) => {
      const n = norm(p);
      return n === tslabDir || n.startsWith(tslabDir + "/") ? TSLAB_ROOT + n.slice(tslabDir.length) : p;
    };
    // ts.sys: where forwardThreadlabTypes has made threadlab's own types found from any folder
    host.fileExists = (p) => p === this.cellPath || p === this.declPath || ts.sys.fileExists(forward(p));
    host.readFile = (p) =>
      p === this.cellPath ? this.cellText : p === this.declPath ? this.declText : ts.sys.readFile(forward(p));
    host.directoryExists = (p) => ts.sys.directoryExists(forward(p)) || norm(p) === path.posix.join(this.cwd, "node_modules");
    host.getCurrentDirectory = () => this.cwd;
    host.writeFile = (fileName) => {
      throw new Error(`the cell compiler writes no files (asked to write ${fileName})`);
    };
    host.getSourceFile = (fileName, languageVersion) => {
      // Parent pointers from the parse, not only from binding: completion and quick info walk them.
      if (fileName === this.cellPath) return ts.createSourceFile(fileName, this.cellText, languageVersion, true);
      if (fileName === this.declPath) return ts.createSourceFile(fileName, this.declText, languageVersion, true);
      return this.sourceFile(fileName, languageVersion, forward);
    };
    return host;
  }

  /**
   * A file of the program, parsed once: packages and the standard library are
   * taken to stand during a session; the user's own files are read again when
   * their modification time changes.
   */
  private sourceFile(
    fileName: string,
    languageVersion: ts.ScriptTarget | ts.CreateSourceFileOptions,
    forward: (p: string) => string,
  ): ts.SourceFile | undefined {
    const real = forward(fileName);
    const stands = /\/node_modules\//.test(norm(real)) || norm(real).startsWith(this.libDir);
    const cached = this.files.get(fileName);
    const mtime = stands ? undefined : ts.sys.getModifiedTime?.(real)?.getTime();
    if (cached && cached.mtime === mtime) return cached.file;
    const text = ts.sys.readFile(real);
    if (text === undefined) {
      this.files.delete(fileName);
      return undefined;
    }
    const file = ts.createSourceFile(fileName, text, languageVersion);
    this.files.set(fileName, { file, mtime });
    return file;
  }

  private typeRoots(): string[] {
    // The folder's own @types (as TypeScript finds them), and Node's types from tslab's if the folder has none.
    const roots = ts.getDefaultTypeRoots(this.cwd, { directoryExists: (p) => ts.sys.directoryExists(p) }) ?? [];
    if (roots.some((r) => ts.sys.fileExists(path.posix.join(norm(r), "node", "package.json")))) return roots;
    const nodeTypes = require.resolve("@types/node/package.json", { paths: [TSLAB_ROOT, PACKAGE_ROOT] });
    return [...roots, norm(path.dirname(path.dirname(nodeTypes)))];
  }

  /** The names a cell declares at its top level, from a parse of the cell alone, as TypeScript's binder finds them. */
  private topLevelNames(code: string): Set<string> {
    const file = ts.createSourceFile(this.cellPath, PREFIX + code, this.target);
    (ts as unknown as { bindSourceFile: Bind }).bindSourceFile(file, this.options);
    const names = new Set<string>();
    (file as WithLocals).locals?.forEach((_symbol, key) => names.add(ts.unescapeLeadingUnderscores(key as ts.__String)));
    return names;
  }

  /** The user's files the cell imports, directly or not: the program's files that are neither declarations nor packages'. */
  private dependencies(program: ts.Program, cell: ts.SourceFile): ts.SourceFile[] {
    const seen = new Set<ts.SourceFile>([cell]);
    const out: ts.SourceFile[] = [];
    const visit = (file: ts.SourceFile) => {
      const next: string[] = [];
      type Resolved = { resolvedModule?: { resolvedFileName: string } };
      (file as { resolvedModules?: { forEach(f: (r: Resolved) => void): void } }).resolvedModules?.forEach((r) => {
        if (r.resolvedModule) next.push(r.resolvedModule.resolvedFileName);
      });
      for (const ref of file.referencedFiles) next.push(path.posix.resolve(path.posix.dirname(file.fileName), ref.fileName));
      for (const name of next) {
        const dep = program.getSourceFile(name);
        if (!dep || seen.has(dep)) continue;
        seen.add(dep);
        if (dep.isDeclarationFile || program.isSourceFileFromExternalLibrary(dep) || !/\.[jt]sx?$/.test(dep.fileName)) continue;
        out.push(dep);
        visit(dep);
      }
    };
    visit(cell);
    return out;
  }

  private emitDependencies(program: ts.Program, deps: ts.SourceFile[]): Compiled["sideOutputs"] {
    const outputs: { path: string; data: string }[] = [];
    for (const dep of deps) {
      if (this.emitted.get(dep.fileName) === dep.text) continue;
      program.emit(dep, (fileName, data) => {
        if (!fileName.endsWith(".js")) return;
        const rel = path.posix.relative(this.outDir, norm(fileName));
        if (rel.startsWith("..")) throw new Error(`the cell compiler emitted outside its folder: ${fileName}`);
        outputs.push({ path: path.posix.join(this.cwd, rel), data });
      });
      this.emitted.set(dep.fileName, dep.text);
    }
    if (outputs.length === 0) return undefined;
    return outputs.sort((a, b) => a.path.localeCompare(b.path));
  }

  // ---- diagnostics ------------------------------------------------------------------------------

  private diagnostics(
    program: ts.Program,
    cell: ts.SourceFile,
    deps: ts.SourceFile[],
  ): { diagnostics: CompileDiagnostic[]; hasToplevelAwait: boolean } {
    return this.convert(ts.getPreEmitDiagnosticsOfFiles(program, [cell, ...deps], NEVER_CANCELLED), cell);
  }

  /** Diagnostics at the cell's positions; a top-level await is not an error here, it is noted. */
  private convert(
    input: readonly ts.Diagnostic[],
    cell?: ts.SourceFile,
  ): { diagnostics: CompileDiagnostic[]; hasToplevelAwait: boolean } {
    let hasToplevelAwait = false;
    const diagnostics: CompileDiagnostic[] = [];
    for (const d of input) {
      if (!d.file || d.start === undefined) continue;
      const inCell = d.file.fileName === this.cellPath;
      if (inCell && cell && this.isTopLevelAwait(cell, d)) {
        hasToplevelAwait = true;
        continue;
      }
      let fileName: string | undefined;
      if (!inCell) {
        const rel = path.relative(this.cwd, d.file.fileName);
        if (rel.startsWith("..")) continue; // in a package or the standard library: not the user's to fix
        fileName = rel;
      }
      const start = this.position(d.file, d.start, inCell);
      const end = this.position(d.file, d.start + (d.length ?? 0), inCell);
      const flatten = (chain: ts.DiagnosticMessageChain) => {
        diagnostics.push({ start, end, messageText: chain.messageText, category: chain.category, code: chain.code, fileName });
        for (const next of chain.next ?? []) flatten(next);
      };
      if (typeof d.messageText === "string") {
        diagnostics.push({ start, end, messageText: d.messageText, category: d.category, code: d.code, fileName });
      } else flatten(d.messageText);
    }
    return { diagnostics, hasToplevelAwait };
  }

  private position(file: ts.SourceFile, offset: number, inCell: boolean): CompileDiagnostic["start"] {
    const { line, character } = ts.getLineAndCharacterOfPosition(file, offset);
    if (!inCell) return { offset, line, character };
    // PREFIX is one line: the cell's lines are the file's less one, its columns unchanged
    return { offset: offset - PREFIX.length, line: line - 1, character };
  }

  /** Whether `d` reports an `await` at the cell's top level (not inside a function, class or namespace). */
  private isTopLevelAwait(cell: ts.SourceFile, d: ts.Diagnostic): boolean {
    if (!TOP_LEVEL_AWAIT.has(d.code) || d.start === undefined) return false;
    const token = ts.findPrecedingToken(d.start + (d.length ?? 0), cell);
    if (!token || token.kind !== ts.SyntaxKind.AwaitKeyword) return false;
    for (let node: ts.Node | undefined = token.parent; node && node !== cell; node = node.parent) {
      if (
        ts.isArrowFunction(node) ||
        ts.isFunctionExpression(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) ||
        ts.isModuleDeclaration(node)
      ) {
        return false;
      }
    }
    return true;
  }

  // ---- the cell's JavaScript --------------------------------------------------------------------

  /**
   * Rewrites the emitted cell: a name of an earlier cell becomes `exports.NAME`
   * (where it is that cell's name, not a property's or a local one), and the
   * last statement, if it is an expression, `exports.tsLastExpr = <it>;`,
   * so that the kernel can show its value.
   */
  private rewriteCell(
    file: ts.SourceFile,
    cell: ts.SourceFile,
    decls: ts.SourceFile,
    checker: ts.TypeChecker,
    context: ts.TransformationContext,
    names: Set<string>,
  ): { file: ts.SourceFile; lastExpressionVar?: string } {
    const f = context.factory;
    const earlier = (symbol: ts.Symbol | undefined) =>
      symbol?.declarations?.some((decl) => decl.getSourceFile() === decls) ?? false;
    const global = (symbol: ts.Symbol | undefined, at: ts.Node) =>
      symbol !== undefined && (earlier(symbol) || (ownGlobal(symbol, cell) && !inOwnDeclaration(symbol, at)));
    const visit = (node: ts.Node): ts.Node => {
      const source = ts.getParseTreeNode(node);
      if (ts.isShorthandPropertyAssignment(node)) {
        // `{ lock }` of a notebook name `lock`: `{ lock: exports.lock }`
        return source && global(checker.getShorthandAssignmentValueSymbol(source), source)
          ? f.createPropertyAssignment(node.name, exportsMember(f, node.name))
          : node;
      }
      if (ts.isPropertyAccessExpression(node)) {
        return f.updatePropertyAccessExpression(node, ts.visitNode(node.expression, visit) as ts.Expression, node.name);
      }
      // `f(x)` of a notebook function: `(0, exports.f)(x)`, a plain call as the cell wrote it (no `this`,
      // and a traceback's frame is `f`, not `Object.f`), as TypeScript calls an imported function.
      if (ts.isCallExpression(node) && !ts.isCallChain(node) && ts.isIdentifier(node.expression)) {
        const callee = visit(node.expression) as ts.Expression;
        if (callee !== node.expression) {
          // At the name's place in the source map, so that a traceback's column is the cell's.
          const plain = ts.setTextRange(
            f.createParenthesizedExpression(f.createComma(f.createNumericLiteral(0), callee)),
            node.expression,
          );
          return f.updateCallExpression(
            node,
            plain,
            node.typeArguments,
            ts.visitNodes(node.arguments, visit) as ts.NodeArray<ts.Expression>,
          );
        }
      }
      if (ts.isIdentifier(node)) {
        if (!source || isDeclarationName(source)) return node;
        return global(checker.getSymbolAtLocation(source), source) ? ts.setTextRange(exportsMember(f, node), node) : node;
      }
      return ts.visitEachChild(node, visit, context);
    };
    // The module transform's `exports.f = f;` after a function declaration: moved to the top, as
    // the function is hoisted (a call above its declaration finds it).
    const hoisted: ts.Statement[] = [];
    const statements: ts.Statement[] = [];
    for (const statement of file.statements) {
      const synced = syncedName(statement);
      const symbol = synced ? ownSymbol(cell, synced) : undefined;
      const decl = symbol && ownGlobal(symbol, cell) ? symbol.valueDeclaration : undefined;
      (decl && ts.isFunctionDeclaration(decl) ? hoisted : statements).push(statement);
    }
    // After the prologue: `Object.defineProperty(exports, "__esModule", ...)` and `exports.a = ... = void 0;`.
    let head = 0;
    while (head < statements.length && head < 2 && isPrologue(statements[head])) head++;
    file = f.updateSourceFile(file, [...statements.slice(0, head), ...hoisted, ...statements.slice(head)]);
    let out = ts.visitEachChild(file, visit, context);
    // The cell's last statement, if it is an expression, is assigned to exports.tsLastExpr. The
    // module transform has added statements of its own (`exports.x = x;` after a declaration,
    // the exports of imported names), which are not the user's: they come from no statement
    // of the cell, or from its `export { ... }`.
    let lastExpressionVar: string | undefined;
    for (let i = out.statements.length - 1; i >= 0; i--) {
      const statement = out.statements[i];
      const source = ts.getParseTreeNode(statement);
      if (!source || source.parent !== cell || isExportSource(statement)) continue;
      if (!ts.isExpressionStatement(source) || !ts.isExpressionStatement(statement)) break;
      let name = LAST_EXPR;
      for (let n = 0; names.has(name); n++) name = `${LAST_EXPR}${n}`;
      lastExpressionVar = name;
      const assigned = f.createExpressionStatement(f.createAssignment(exportsMember(f, name), statement.expression));
      out = f.updateSourceFile(out, [...out.statements.slice(0, i), assigned, ...out.statements.slice(i + 1)]);
      break;
    }
    return { file: out, lastExpressionVar };
  }

  // ---- the declarations kept from earlier cells ---------------------------------------------------

  /**
   * The earlier cells' declarations that the cell did not replace, as text.
   * A name the cell declares as a value replaces the earlier value of that
   * name, and as a type the earlier type. A class or an enum is both: one
   * whose value the cell replaced is gone; one whose type alone it replaced
   * keeps its value, typed `any`. An import keeps the names the cell left
   * alone in every meaning the imported thing has.
   */
  private remainingDecls(checker: ts.TypeChecker, cell: ts.SourceFile, decls: ts.SourceFile): string {
    const cellLocals = (cell as WithLocals).locals;
    const replaced = (name: string): { value: boolean; type: boolean } => {
      let symbol = cellLocals?.get(ts.escapeLeadingUnderscores(name) as string);
      if (!symbol) return { value: false, type: false };
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      return { value: (symbol.flags & ts.SymbolFlags.Value) !== 0, type: (symbol.flags & ts.SymbolFlags.Type) !== 0 };
    };
    const f = ts.factory;
    const kept: ts.Statement[] = [];
    const untyped = new Set<string>();
    const keptValues = new Set<string>();
    for (const statement of decls.statements) {
      if (ts.isVariableStatement(statement)) {
        const declarations = statement.declarationList.declarations.filter(
          (d) => ts.isIdentifier(d.name) && !replaced(d.name.text).value,
        );
        for (const d of declarations) keptValues.add((d.name as ts.Identifier).text);
        if (declarations.length === statement.declarationList.declarations.length) kept.push(statement);
        else if (declarations.length > 0) {
          kept.push(
            f.updateVariableStatement(
              statement,
              statement.modifiers,
              f.updateVariableDeclarationList(statement.declarationList, declarations),
            ),
          );
        }
      } else if (ts.isFunctionDeclaration(statement) && statement.name) {
        if (!replaced(statement.name.text).value) kept.push(statement);
      } else if ((ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) && statement.name) {
        if (!replaced(statement.name.text).type) kept.push(statement);
      } else if ((ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
        const r = replaced(statement.name.text);
        if (!r.value && !r.type) kept.push(statement);
        else if (!r.value) untyped.add(statement.name.text);
      } else if (ts.isImportDeclaration(statement) && statement.importClause) {
        const kept1 = this.keptImport(statement, checker, replaced, untyped);
        if (kept1) kept.push(kept1);
      } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
        const r = replaced(statement.name.text);
        if (!r.value && !r.type) kept.push(statement);
      }
    }
    for (const name of keptValues) untyped.delete(name);
    const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
    const text = kept.length > 0 ? printer.printFile(f.updateSourceFile(decls, kept)) : "";
    return text + [...untyped].map((name) => `declare let ${name}: any;\n`).join("");
  }

  /** An import of the earlier cells with the names the cell replaced taken out; undefined if none is left. */
  private keptImport(
    statement: ts.ImportDeclaration,
    checker: ts.TypeChecker,
    replaced: (name: string) => { value: boolean; type: boolean },
    untyped: Set<string>,
  ): ts.ImportDeclaration | undefined {
    const clause = statement.importClause!;
    const keep = (id: ts.Identifier): boolean => {
      const r = replaced(id.text);
      if (!r.value && !r.type) return true;
      const symbol = checker.getSymbolAtLocation(id);
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const isValue = target ? (target.flags & ts.SymbolFlags.Value) !== 0 : false;
      const isType = target ? (target.flags & ts.SymbolFlags.Type) !== 0 : false;
      if ((r.value && isValue) || (r.type && isType)) {
        if (isValue && !r.value) untyped.add(id.text); // its type was replaced: the value stays, untyped
        return false;
      }
      return true;
    };
    const f = ts.factory;
    const name = clause.name && keep(clause.name) ? clause.name : undefined;
    let bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      if (!keep(bindings.name)) bindings = undefined;
    } else if (bindings) {
      const elements = bindings.elements.filter((e) => keep(e.name));
      bindings =
        elements.length === 0
          ? undefined
          : elements.length === bindings.elements.length
            ? bindings
            : f.updateNamedImports(bindings, elements);
    }
    if (!name && !bindings) return undefined;
    if (name === clause.name && bindings === clause.namedBindings) return statement;
    return f.updateImportDeclaration(
      statement,
      statement.modifiers,
      f.updateImportClause(clause, clause.isTypeOnly, name, bindings),
      statement.moduleSpecifier,
      statement.assertClause,
    );
  }

  /** The name (identifier) the position is in or at the end of. */
  private nameAt(file: ts.SourceFile, pos: number): { text: string; start: number; end: number } | undefined {
    const prev = ts.findPrecedingToken(pos, file);
    if (prev && ts.isIdentifier(prev) && prev.end >= pos) return { text: prev.text, start: prev.getStart(file), end: prev.end };
    const next = prev ? ts.findNextToken(prev, file, file) : undefined;
    if (next && ts.isIdentifier(next) && next.getStart(file) <= pos && pos <= next.end) {
      return { text: next.text, start: next.getStart(file), end: next.end };
    }
    return undefined;
  }
}
