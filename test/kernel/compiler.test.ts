/**
 * The kernel's cell compiler (kernel/compiler.ts): what it makes of every
 * lesson's cells is what tslab's converter makes, and where tslab's is wrong
 * (a shorthand property of an earlier cell's name, names that start with two
 * underscores, namespaces, a top-level `for await`) the compiled cell runs as
 * TypeScript says it should. Cells are run here as the kernel runs them: in a
 * function given the notebook's `exports` and `require`.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import * as vm from "vm";
import { CellCompiler, type Compiled } from "../../kernel/compiler";
import { forwardThreadlabTypes } from "../../kernel/modules";

const ROOT = path.join(__dirname, "..", "..");
forwardThreadlabTypes(ROOT);

/** A notebook of cells compiled one after another, each with the declarations of those before it. */
class Session {
  prevDecl = "";
  readonly exports: Record<string, unknown> = {};
  constructor(readonly compiler: CellCompiler) {}
  compile(code: string): Compiled {
    const compiled = this.compiler.compile(this.prevDecl, code);
    if (compiled.diagnostics.length === 0) this.prevDecl = compiled.declOutput ?? "";
    return compiled;
  }
  /** Compiles and runs `code`; the value of its last expression, if any. */
  run(code: string): unknown {
    const compiled = this.compile(code);
    if (compiled.diagnostics.length > 0) throw new Error(compiled.diagnostics.map((d) => d.messageText).join("\n"));
    const fn = vm.runInThisContext(`(function (exports, require) { ${compiled.output}\n})`) as (
      e: object,
      r: NodeJS.Require,
    ) => void;
    fn(this.exports, require);
    const name = compiled.lastExpressionVar;
    return name ? this.exports[name] : undefined;
  }
}

const lessons = readdirSync(path.join(ROOT, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .map((f) => {
    const nb = JSON.parse(readFileSync(path.join(ROOT, "notebooks", f), "utf8")) as {
      cells: Array<{ cell_type: string; source: string | string[] }>;
    };
    return { name: f, cells: nb.cells.filter((c) => c.cell_type === "code").map((c) => [c.source].flat().join("")) };
  });

describe("the cell compiler", () => {
  const compiler = new CellCompiler(ROOT);

  test("compiles every lesson's cells as tslab's converter does: the same JavaScript (but for the cell's own names, read through exports), declarations and diagnostics", () => {
    const { createConverter } = require("tslab/dist/converter") as typeof import("tslab/dist/converter");
    const tslab = createConverter({ isJS: false, isBrowser: false });
    // tslab also declares `exports.tsLastExpr = void 0;` first; the value is assigned where it is computed either way.
    // Where the cell uses its own names, tslab reads its locals and ours exports.NAME (the next test says why):
    // both are compared with the names unqualified and without the `exports.f = f;` after each declaration
    // (ours hoists a function's to the top). Ours calls a notebook function as `(0, exports.f)(x)`, tslab `exports.f(x)`.
    const comparable = (out: string | undefined, own: Set<string>) =>
      out
        ?.replace(/\(0, (exports\.[\w$]+)\)\(/g, "$1(")
        .replace(/exports\.tsLastExpr\d* = (?=[^\n]*void 0;)/, "")
        .replace(/\nexports\.tsLastExpr\d* = void 0;/, "")
        .replace(/\nvoid 0;\n/, "\n")
        .replace(/\bexports\.([\w$]+)/g, (m, name: string) => (own.has(name) ? name : m))
        .replace(/^([\w$]+) = \1;\n/gm, "")
        .replace(/\b([\w$]+) = \1 = /g, "$1 = ");
    const ownNames = (out: string | undefined) =>
      new Set(
        [...(/^(exports\.[\w$]+ = )+void 0;$/m.exec(out ?? "")?.[0] ?? "").matchAll(/exports\.([\w$]+)/g)].map((m) => m[1]),
      );
    let cells = 0;
    for (const lesson of lessons) {
      let prevDecl = "";
      for (const code of lesson.cells) {
        const theirs = tslab.convert(prevDecl, code);
        const ours = compiler.compile(prevDecl, code);
        const where = `${lesson.name}: ${code.slice(0, 60)}`;
        const own = ownNames(theirs.output);
        expect({ where, output: comparable(ours.output, own) }).toEqual({ where, output: comparable(theirs.output, own) });
        expect({ where, decl: ours.declOutput }).toEqual({ where, decl: theirs.declOutput });
        expect({ where, last: ours.lastExpressionVar, tla: !!ours.hasToplevelAwait }).toEqual({
          where,
          last: theirs.lastExpressionVar,
          tla: !!theirs.hasToplevelAwait,
        });
        expect(ours.diagnostics.map((d) => [d.messageText, d.start.line, d.start.character])).toEqual(
          theirs.diagnostics.map((d) => [d.messageText, d.start.line, d.start.character]),
        );
        if (theirs.diagnostics.length === 0) prevDecl = theirs.declOutput ?? "";
        cells++;
      }
    }
    expect(cells).toBeGreaterThan(40);
    tslab.close();
  }, 120_000);

  test("a later cell sees, assigns and redeclares an earlier cell's names", () => {
    const s = new Session(compiler);
    expect(s.run("let x = 1;\nfunction f(a: number) { return a * 2; }\nx")).toBe(1);
    expect(s.run("x = x + 1;\nx++;\nf(x)")).toBe(6);
    expect(s.run("const lock = 'l';\n({ lock, x })")).toEqual({ lock: "l", x: 3 }); // tslab: ReferenceError: x is not defined
    expect(s.run("const x = 'now a string';\nx.length")).toBe(12);
    const decl = s.prevDecl;
    expect(decl).toContain('declare const x = "now a string";');
    expect(decl).not.toContain("declare let x: number");
  });

  test("a function reads and writes the notebook's names as they are when it runs, as Python's functions see globals", () => {
    const s = new Session(compiler);
    s.run(
      "const helper = () => 1;\nfunction viaHelper() { return helper(); }\nlet counter = 0;\nfunction inc() { counter++; }\nconst limit = 3;\nconst lim = () => limit;",
    );
    // tslab: 1, 1 and 3 (the functions kept their own cell's variables)
    expect(s.run("const helper = () => 2;\ncounter = 10;\ninc();\nconst limit = 100;\n[viaHelper(), counter, lim()]")).toEqual([
      2, 11, 100,
    ]);
    // In the declaring cell too: a call between the declaration and a use is seen by the use.
    expect(s.run("let n = 0;\nfunction bump() { n += 5; }\nbump();\nn")).toBe(5);
    // A function called above its declaration (it is hoisted); a declaration reading the one before it
    // in the same statement; a class's static field naming the class; a function keeps its name.
    expect(s.run("const early = twice(4);\nfunction twice(x: number) { return 2 * x; }\nearly")).toBe(8);
    expect(s.run("let a = 1, b = a + 1;\nb")).toBe(2);
    expect(s.run("class K { static k = new K(); me() { return K; } }\n[K.k instanceof K, new K().me() === K]")).toEqual([
      true,
      true,
    ]);
    expect(s.run("const named = () => 0;\nnamed.name")).toBe("named");
    // A declared name is a global the cell says exists, not a notebook name.
    vm.runInThisContext("globalThis.declaredHere = 7;"); // the context the cells run in (not jest's)
    expect(
      s.run(
        "declare const declaredHere: number;\nconst seenHere = declaredHere;\nfunction readsIt() { return declaredHere; }\n[seenHere, readsIt()]",
      ),
    ).toEqual([7, 7]);
    // A redefined function is what an earlier function calls, recursion included.
    s.run("function fact(n: number): number { return n <= 1 ? 1 : n * fact(n - 1); }");
    s.run("const plain = fact;");
    s.run("function fact(n: number): number { return -n; }");
    expect(s.run("plain(3)")).toBe(-6); // plain's body calls the fact that is defined now: 3 * fact(2) = 3 * -2
  });

  test("names that start with two underscores are declared and exported like any other", () => {
    // tslab: "Cannot find name '___dunder'" (it exported the binder's escaped name)
    const s = new Session(compiler);
    expect(s.run("const __dunder = 41;\n__dunder")).toBe(41);
    expect(s.run("__dunder + 1")).toBe(42);
  });

  test("a namespace stays declared for later cells; a class whose type is replaced keeps its value, untyped", () => {
    const s = new Session(compiler);
    s.run("namespace N { export const z = 1; }\nclass C { v = 2 }");
    expect(s.run("N.z + 1")).toBe(2); // tslab dropped the namespace: "Cannot find name 'N'"
    s.run("type C = number;\nconst c: C = 5;");
    expect(s.prevDecl).toContain("declare let C: any;"); // tslab wrote `let C: any;`, which a .d.ts may not hold
    expect(s.run("new C().v + c")).toBe(7);
  });

  test("top-level await and for await mark the cell as one that awaits", () => {
    expect(compiler.compile("", "const r = await Promise.resolve(3);\nr").hasToplevelAwait).toBe(true);
    const loop = compiler.compile("", "for await (const v of [Promise.resolve(1)]) console.log(v);");
    expect(loop.diagnostics).toEqual([]);
    expect(loop.hasToplevelAwait).toBe(true); // tslab: false, and the cell failed to parse when run
    expect(compiler.compile("", "async function h() { return await 1; }\nh()").hasToplevelAwait).toBe(false);
    const inner = compiler.compile("", "function g() { await 1; }");
    expect(inner.diagnostics.map((d) => d.code)).toEqual([1308]); // an await in a plain function is an error
  });

  test("diagnostics are at the cell's own lines and columns, and a failed cell leaves the declarations as they were", () => {
    const s = new Session(compiler);
    s.run("const kept = 1;");
    const before = s.prevDecl;
    const bad = s.compile("const ok = 1;\n  let u: number = 'text';");
    expect(bad.output).toBeUndefined();
    expect(bad.diagnostics[0]).toMatchObject({
      messageText: "Type 'string' is not assignable to type 'number'.",
      code: 2322,
      start: { line: 1, character: 6 },
      end: { line: 1, character: 7 },
    });
    expect(bad.diagnostics[0].fileName).toBeUndefined();
    expect(s.prevDecl).toBe(before);
  });

  test("the user's own .ts file a cell imports is compiled with it, again only when it changes", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "threadlab-compiler-"));
    try {
      const own = new CellCompiler(dir);
      const mod = path.join(dir, "mod.ts");
      writeFileSync(mod, "export const answer: number = 42;\n");
      const first = own.compile("", 'import { answer } from "./mod";\nanswer');
      expect(first.diagnostics).toEqual([]);
      expect(first.sideOutputs?.map((o) => o.path)).toEqual([path.join(dir, "mod.js")]);
      expect(first.sideOutputs?.[0].data).toContain("exports.answer = 42");
      expect(own.compile("", 'import { answer } from "./mod";\nanswer + 1').sideOutputs).toBeUndefined();
      writeFileSync(mod, "export const answer: string = 'changed';\n");
      utimesSync(mod, new Date(), new Date(Date.now() + 5000));
      const changed = own.compile("", 'import { answer } from "./mod";\nanswer.length');
      expect(changed.diagnostics).toEqual([]);
      expect(changed.sideOutputs?.[0].data).toContain("exports.answer = 'changed'");
      writeFileSync(mod, "export const answer: string = 1;\n");
      utimesSync(mod, new Date(), new Date(Date.now() + 10000));
      const broken = own.compile("", 'import { answer } from "./mod";\nanswer');
      expect(broken.diagnostics[0]).toMatchObject({ fileName: "mod.ts", code: 2322, start: { line: 0 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("completion and quick info see the earlier cells' names", () => {
    const s = new Session(compiler);
    s.run("const greeting = 'hi';\nfunction greetTwice(n: number) { return n; }");
    const c = compiler.complete(s.prevDecl, "gree", 4);
    expect(c).toMatchObject({ start: 0, end: 4 });
    expect(c.candidates.slice(0, 2).sort()).toEqual(["greetTwice", "greeting"]);
    const info = compiler.quickInfo(s.prevDecl, "greetTwice(1)", 3);
    expect(info?.displayParts?.map((p) => p.text).join("")).toBe("function greetTwice(n: number): number");
    expect(info?.textSpan).toEqual({ start: 0, length: 10 });
  });
});
