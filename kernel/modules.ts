/**
 * Makes `import { Thread } from "threadlab"` type-check and run in a notebook
 * in any folder, whether or not that folder's node_modules has threadlab:
 * the type checker is shown threadlab's own files under
 * `<cwd>/node_modules/threadlab` (as tslab does for itself), and `require`
 * falls back to this very package.
 */
import { existsSync } from "fs";
import { createRequire } from "module";
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

/** `require` for cells: from the notebook's folder, with threadlab itself always found. */
export function cellRequire(cwd: string): NodeJS.Require {
  const req = createRequire(path.join(cwd, "noop.js"));
  const wrapped = ((id: string) => {
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
