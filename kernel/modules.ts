/**
 * Makes `import { Thread } from "threadlab"` type-check and run in a notebook
 * in any folder, whether or not that folder's node_modules has threadlab:
 * the type checker is shown threadlab's own files under
 * `<cwd>/node_modules/threadlab` (as tslab does for itself), and `require`
 * falls back to this very package. Also runs the user's own .ts files a cell
 * imports, as tslab compiles them.
 */
import { existsSync, mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { PACKAGE_ROOT as ROOT, sideRequire, writeSideModule } from "../src/host";

const norm = (p: string) => p.replace(/\\/g, "/");

/** Whether `relative` exists in `dir` or a folder above it. */
export function foundAbove(dir: string, relative: string): boolean {
  for (; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, relative))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/** Patches the TypeScript that tslab uses; call before the cell compiler is created. */
export function forwardThreadlabTypes(cwd: string): void {
  const ts = require("@tslab/typescript-for-tslab") as { sys: Record<string, (...a: any[]) => any> };
  const fake = norm(path.join(cwd, "node_modules", "threadlab"));
  // A real node_modules/threadlab in this folder or above: TypeScript finds it by itself.
  if (foundAbove(cwd, path.join("node_modules", "threadlab", "package.json"))) return;
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
 * gets it compiled by the cell compiler with the cell ("side outputs", as
 * CommonJS). The kernel keeps that JavaScript in a private folder, where every
 * thread loads it from (src/transport/side-modules.ts); removed when the kernel ends.
 */
export function keepSideModules(): void {
  const dir = mkdtempSync(path.join(tmpdir(), "threadlab-side-"));
  process.env.THREADLAB_SIDE_DIR = dir; // before the first worker: each worker gets a copy of the environment
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
}

/** Keeps the JavaScript the cell compiler made of the user's files (a file compiled again replaces its old one). */
export function addSideOutputs(outputs: readonly { path: string; data: string }[]): void {
  for (const out of outputs) writeSideModule(out.path, out.data);
}

/** `require` for cells: from the notebook's folder, with threadlab itself always found, and the user's .ts files. */
export function cellRequire(cwd: string): NodeJS.Require {
  return sideRequire(path.join(cwd, "noop.js"));
}
