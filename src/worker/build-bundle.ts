/**
 * Writes the bundles the library loads from (worker/bundle.ts): run once, by the build
 * (`node dist/src/worker/build-bundle.js`). Apart from the loader, so that a worker that loads
 * the bundles compiles none of this and loads no module only the build needs.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import Module, { createRequire } from "module";
import * as path from "path";
import { BUNDLE, bundledTarget, DIST_SRC, INDEX, PARSER, REST, type BundleName } from "./bundle";
import type * as acornTypes from "acorn";
import type * as terserTypes from "terser";

/** The loader and this file: loaded from their files (the loader), or never at run time (this). */
const NOT_BUNDLED = ["bundle.js", "build-bundle.js"];

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return modules(file);
    return name.endsWith(".js") && !NOT_BUNDLED.includes(name) ? [file] : [];
  });
}

/**
 * The code without its comments, as the build reads it for what each module requires (a require
 * in a comment is none; compact() later drops the comments from the bundle's text too). A comment
 * that spans lines leaves a line break, so automatic semicolons stay.
 */
function withoutComments(code: string): string {
  const cuts: [number, number, string][] = [];
  // Only the build writes the bundle: a worker that loads it needs no parser.
  (require("acorn") as typeof acornTypes).parse(code, {
    ecmaVersion: "latest",
    sourceType: "script",
    allowReturnOutsideFunction: true,
    allowHashBang: true,
    onComment: (block, text, start, end) => void cuts.push([start, end, block && /[\n\r\u2028\u2029]/.test(text) ? "\n" : " "]),
  });
  let out = "";
  let at = 0;
  for (const [start, end, keep] of cuts) {
    out += code.slice(at, start) + keep;
    at = end;
  }
  return out + code.slice(at);
}

/**
 * The code as the bundle holds it: without spaces, in lines of about 120 characters, and with the
 * names local to its functions shortened (terser; no other change). The line breaks are for the
 * reader of an uncaught error: Node prints the line it was thrown from, which on one line per
 * module was the whole module (11 KB for a refusal at start()); they cost the core bundle 1%.
 * Every worker keeps the text it compiled and the names in its functions' scope tables. A
 * module's own top-level names stay (the resolver reads a library function's scopes by name), and
 * so do functions' and classes' names (a class's name is the name of its objects and its errors, a
 * function's shows in a stack frame).
 */
function compact(code: string): string {
  const { minify_sync } = require("terser") as typeof terserTypes;
  const out = minify_sync(code, {
    parse: { bare_returns: true },
    compress: false,
    mangle: { keep_classnames: true, keep_fnames: true },
    format: { comments: false, max_line_len: 120 },
  }).code;
  if (out === undefined) throw new Error("threadlab build: terser gave no code");
  return out;
}

/** Loaded from their files, never from a bundle: the supervisor's own (it boots fastest so), the kernel's door. */
const FILES_ONLY = ["worker/boot", "worker/supervisor", "worker/load", "host"].map((m) => path.join(DIST_SRC, `${m}.js`));
const PARSER_PACKAGES = ["acorn", "eslint-scope"];
/**
 * And the library's own modules that only making a program uses (the resolver: see
 * transport/programs.ts, which loads it at its first use): in the same bundle, loaded with the parser.
 */
const PARSER_MODULES = ["resolve", "imports", "lexical", "names", "source", "parser", "inspector", "scripts"].map((m) =>
  path.join(DIST_SRC, "transport", `${m}.js`),
);

/**
 * What start-up runs: a pool worker's entry, and the package's main with its index; and what most
 * threads that wait use (Event, Condition, RLock, Value): a worker whose thread used one of them
 * compiled the whole second bundle for it (RSS per thread blocked on an Event, 8 runs alternating:
 * median 9.22 -> 9.09 MB; one blocked on a Lock, which needs none of them: 9.09 -> 9.13, within noise).
 */
const ROOTS = [
  "worker/entry.js",
  "main.js",
  "index.js",
  "sync/event.js",
  "sync/condition.js",
  "sync/rlock.js",
  "shared/value.js",
].map((f) => path.join(DIST_SRC, f));
/** The bundled modules `code` (of `file`) requires: each relative id, resolved, and whether it binds a name. */
function requiresOf(file: string, code: string, known: Set<string>): { target: string; bound: boolean }[] {
  return [...code.matchAll(/^(?:(?:var|const|let) \w+ = )?.*?require\("(\.[^"]+)"\)/gm)].flatMap((m) => {
    const found = bundledTarget(file, m[1], (f) => known.has(f));
    return found ? [{ target: found, bound: /^(?:var|const|let) \w+ = require\(/.test(m[0]) }] : [];
  });
}

/**
 * `code` (of `file`) with each require of a bundled module by relative id made a require by its path:
 * the loader then finds it in its table as it is, where resolving the id (path.resolve and three
 * candidate names, for each of some 500 requires) made two fifths of a worker's start-up garbage.
 */
function withPaths(file: string, code: string, known: Set<string>): string {
  return code.replace(/\brequire\("(\.[^"]+)"\)/g, (whole, id: string) => {
    const found = bundledTarget(file, id, (f) => known.has(f));
    return found ? `require(${JSON.stringify(found)})` : whole;
  });
}

/** One bundle file: its modules, each a function of Node's five module arguments; ASCII only. */
function bundleText(parts: string[], extra = ""): string {
  const text = `(function () { return { modules: {\n${parts.join(",\n")}\n}${extra} }; })`;
  // ASCII only: one character outside Latin-1 (an em dash in a comment) makes V8 keep the whole
  // source as a two-byte string, twice the memory in every worker. A \u escape means the same
  // character in a string, a template, a regular expression, an identifier and a comment alike.
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Writes the bundles of every module under dist/src and of the parser's packages (run once, by
 * the build). The index's re-exports of modules nothing else at start-up needs (Queue, Barrier,
 * the executor, the timeline...) are lazy: those modules go in the second bundle, compiled and run only when a
 * name of theirs is first used (or a handle of theirs arrives: state/handle.ts). A worker that
 * runs a thread keeps in memory the source it compiled, and every object its modules made.
 */
export function writeBundle(): void {
  const files = modules(DIST_SRC).filter((file) => !FILES_ONLY.includes(file));
  const code = new Map(files.map((file) => [file, withoutComments(readFileSync(file, "utf8"))]));
  const known = new Set(code.keys());
  const lazy: string[] = [];
  const core = new Set<string>();
  const visit = (file: string): void => {
    if (core.has(file) || PARSER_MODULES.includes(file)) return;
    core.add(file);
    for (const { target, bound } of requiresOf(file, code.get(file)!, known)) {
      // A name the index re-exports (var x_1 = require(...)) is read only through its getter.
      if (file === INDEX && bound && target !== file) lazy.push(target);
      else visit(target);
    }
  };
  ROOTS.forEach(visit);
  const part = (file: string) =>
    `${JSON.stringify(file)}: function (exports, require, module, __filename, __dirname) {\n${compact(withPaths(file, code.get(file)!, known))}\n}`;
  const rest = [...known].filter((f) => !core.has(f) && !PARSER_MODULES.includes(f));
  const lazyLater = lazy.filter((f) => !core.has(f));
  const parser = packageModules(PARSER_PACKAGES);
  for (const f of PARSER_MODULES) parser.code.set(f, code.get(f)!);
  const later: Record<string, BundleName> = {};
  for (const f of rest) later[f] = "rest";
  for (const f of parser.code.keys()) later[f] = "parser";
  const table = `, lazy: ${JSON.stringify(lazyLater)}, later: ${JSON.stringify(later)}, packages: ${JSON.stringify(parser.packages)}, links: ${JSON.stringify(parser.links)}`;
  writeFileSync(BUNDLE, bundleText([...core].map(part), table));
  writeFileSync(REST, bundleText(rest.map(part)));
  for (const [file, text] of parser.code) code.set(file, text);
  writeFileSync(PARSER, bundleText([...parser.code.keys()].map(part)));
}

/**
 * The files of `packages` (as the library requires them) and of what they require in turn: each
 * file's code, where each id it requires resolved to, and where each package's main is.
 */
function packageModules(packages: string[]): {
  code: Map<string, string>;
  packages: Record<string, string>;
  links: Record<string, Record<string, string>>;
} {
  const code = new Map<string, string>();
  const links: Record<string, Record<string, string>> = {};
  const visit = (file: string): void => {
    if (code.has(file)) return;
    const text = withoutComments(readFileSync(file, "utf8"));
    code.set(file, text);
    links[file] = {};
    for (const m of text.matchAll(/\brequire\(\s*(["'])([^"']+)\1\s*\)/g)) {
      const id = m[2];
      if (Module.isBuiltin(id)) continue;
      const target = createRequire(file).resolve(id);
      links[file][id] = target;
      if (/\.c?js$/.test(target)) visit(target);
    }
  };
  const from = createRequire(INDEX);
  const mains = Object.fromEntries(packages.map((id) => [id, from.resolve(id)]));
  Object.values(mains).forEach(visit);
  return { code, packages: mains, links };
}

if (require.main === module) writeBundle();
