/**
 * The house: which part of the code may import which, and no import cycle.
 * The rules here are the ones the README's "Layout" section draws; a change
 * that breaks them fails `npm test`. Type-only imports (`import type`) are not
 * arrows: they vanish at run time and cannot make a loading cycle.
 */
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");

/** Each part of the code, bottom first, with the parts it may import (besides itself). */
const RULES: Record<string, string[]> = {
  "src/errors.ts": [],
  "src/own-code.ts": [],
  "src/state": ["src/errors.ts"],
  "src/transport": ["src/errors.ts", "src/own-code.ts", "src/state"],
  "src/sync": ["src/errors.ts", "src/state", "src/transport"],
  "src/output": ["src/errors.ts", "src/own-code.ts", "src/state", "src/sync"],
  "src/shared": ["src/errors.ts", "src/state", "src/transport", "src/sync"],
  "src/thread": ["src/errors.ts", "src/own-code.ts", "src/state", "src/transport", "src/sync", "src/output", "src/shared"],
  "src/worker": ["src/errors.ts", "src/state", "src/transport", "src/sync", "src/output", "src/shared", "src/thread"],
  "src/futures": ["src/errors.ts", "src/state", "src/transport", "src/sync", "src/shared", "src/thread"],
  // The timeline draws what the recorder (state/trace.ts) kept; it shows the picture through output/.
  "src/timeline": ["src/errors.ts", "src/state", "src/sync", "src/output", "src/thread"],
  "src/index.ts": ["*src"],
  "src/host.ts": ["*src"],
  "src/main.ts": ["*src"],
  // The kernel uses the library through src/host.ts only; its I/O thread needs only the output ring.
  kernel: ["src/host.ts", "src/errors.ts", "src/output/ring.ts"],
};

/** Files that start a program of their own (a worker's entry): they may load the whole library. */
const PROGRAM_ROOTS = new Set(["src/worker/entry.ts", "src/worker/supervisor.ts"]);

function files(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return files(rel);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [rel] : [];
  });
}

/** The project files a source file imports at run time. */
function valueImports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      const named = node.importClause?.namedBindings;
      const allTypes =
        named &&
        ts.isNamedImports(named) &&
        !node.importClause?.name &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]) &&
      ((ts.isIdentifier(node.expression) && node.expression.text === "require") ||
        node.expression.kind === ts.SyntaxKind.ImportKeyword)
    ) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const out: string[] = [];
  for (const spec of specifiers) {
    if (!spec.startsWith(".")) continue;
    const base = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), spec));
    const hit = [`${base}.ts`, `${base}/index.ts`].find((f) => {
      try {
        return statSync(path.join(ROOT, f)).isFile();
      } catch {
        return false;
      }
    });
    if (hit && !hit.startsWith("..")) out.push(hit.split(path.sep).join("/"));
  }
  return out;
}

function partOf(file: string): string {
  const parts = Object.keys(RULES).sort((a, b) => b.length - a.length);
  const part = parts.find((p) => file === p || file.startsWith(p + "/"));
  if (!part) throw new Error(`${file} belongs to no part of RULES: add it`);
  return part;
}

function allowed(from: string, to: string): boolean {
  const a = partOf(from);
  const b = partOf(to);
  if (a === b || PROGRAM_ROOTS.has(from)) return true;
  return RULES[a].some((rule) => (rule === "*src" ? to.startsWith("src/") : to === rule || to.startsWith(rule + "/")));
}

const all = [...files("src"), ...files("kernel")];
const graph = new Map(all.map((f) => [f, valueImports(f)]));

test("every import runs down the layers the README draws", () => {
  const wrong: string[] = [];
  for (const [from, tos] of graph) for (const to of tos) if (!allowed(from, to)) wrong.push(`${from} -> ${to}`);
  expect(wrong).toEqual([]);
});

test("no import cycle in src/ or kernel/", () => {
  // Tarjan's strongly connected components: any component of more than one file is a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  expect(cycles).toEqual([]);
});

test("the rules see every file and every arrow", () => {
  // A sanity check on the reader itself: it finds the imports it must (so an empty result above means something).
  expect(graph.get("src/sync/condition.ts")).toEqual(expect.arrayContaining(["src/sync/lock.ts", "src/state/me.ts"]));
  expect(graph.get("kernel/kernel.ts")).toContain("src/host.ts");
  expect(all.length).toBeGreaterThan(50);
});
