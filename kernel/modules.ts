/**
 * Makes `import { Thread } from "threadlab"` type-check and run in a notebook
 * in any folder, whether or not that folder's node_modules has threadlab:
 * the type checker is shown threadlab's own files under
 * `<cwd>/node_modules/threadlab` (as tslab does for itself), and `require`
 * falls back to this very package. Also runs the user's own .ts files a cell
 * imports, as tslab compiles them.
 */
import { existsSync } from "fs";
import Module, { createRequire } from "module";
import * as path from "path";
import { PACKAGE_ROOT as ROOT } from "../src/host";

const norm = (p: string) => p.replace(/\\/g, "/");

/** Patches the TypeScript that tslab uses; call before the converter is created. */
export function forwardThreadlabTypes(cwd: string): void {
  const ts = require("@tslab/typescript-for-tslab") as { sys: Record<string, (...a: any[]) => any> };
  const fake = norm(path.join(cwd, "node_modules", "threadlab"));
  // A real node_modules/threadlab in this folder or above: TypeScript finds it by itself.
  let local = false;
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "node_modules", "threadlab", "package.json"))) local = true;
    if (local || path.dirname(dir) === dir) break;
  }
  if (local) return; // the folder has its own threadlab: use it
  const forward = (p: string): string => {
    const n = norm(p);
    return n === fake || n.startsWith(fake + "/") ? norm(path.join(ROOT, n.slice(fake.length))) : p;
  };
  for (const method of ["fileExists", "readFile", "directoryExists", "realpath", "getFileSize"]) {
    const original = ts.sys[method];
    if (typeof original !== "function") continue;
    ts.sys[method] = (p: string, ...rest: unknown[]) => {
      if (method === "directoryExists" && norm(p) === norm(path.join(cwd, "node_modules"))) return true;
      return original.call(ts.sys, forward(p), ...rest) as unknown;
    };
  }
}

// ---- the user's own TypeScript files -----------------------------------------------------------

/**
 * A cell that imports one of the user's .ts files (`import { f } from "./mod"`)
 * gets it compiled by tslab's converter with the cell ("side outputs", as
 * CommonJS): kept here by path, and loaded from here by `require`, as tslab's
 * executor does. A file compiled again (it changed) is loaded again.
 */
const sideOutputs = new Map<string, string>();
const sideModules = new Map<string, Module>();

/** Keeps the JavaScript the converter made of the user's files. */
export function addSideOutputs(outputs: readonly { path: string; data: string }[]): void {
  for (const out of outputs) {
    sideModules.delete(out.path);
    sideOutputs.set(out.path, out.data);
  }
}

/** Loads `id` (required from folder `dir`) from the side outputs; undefined if it is not one of them. */
function fromSideOutputs(id: string, dir: string): { exports: unknown } | undefined {
  if (!id.startsWith(".") && !path.isAbsolute(id)) return undefined;
  let file = path.resolve(dir, id);
  if (path.extname(file) === "") file += ".js";
  const known = sideModules.get(file);
  if (known) return known;
  const code = sideOutputs.get(file);
  if (code === undefined) return undefined;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
  mod.require = requireFrom(path.dirname(file), createRequire(file)) as typeof mod.require;
  sideModules.set(file, mod);
  (mod as unknown as { _compile(code: string, file: string): void })._compile(code, file);
  mod.loaded = true;
  return mod;
}

/** A require from folder `dir` that finds the side outputs first and threadlab itself always. */
function requireFrom(dir: string, req: NodeJS.Require): NodeJS.Require {
  const wrapped = ((id: string) => {
    const side = fromSideOutputs(id, dir);
    if (side) return side.exports;
    try {
      return req(id) as unknown;
    } catch (err) {
      if (id === "threadlab" && (err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") {
        return require(ROOT) as unknown; // the package itself: its main, the same modules the kernel runs on
      }
      throw err;
    }
  }) as NodeJS.Require;
  return Object.assign(wrapped, { resolve: req.resolve, cache: req.cache, main: req.main, extensions: req.extensions });
}

/** `require` for cells: from the notebook's folder, with threadlab itself always found, and the user's .ts files. */
export function cellRequire(cwd: string): NodeJS.Require {
  return requireFrom(cwd, createRequire(path.join(cwd, "noop.js")));
}
