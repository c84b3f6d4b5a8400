/**
 * A notebook's own TypeScript files, as every thread loads them. A cell that
 * imports `./mod` gets `mod.ts` compiled by the kernel's cell compiler with the cell
 * (its "side outputs", CommonJS); no JavaScript file is written next to it.
 * The kernel writes that JavaScript into a private folder instead, under the
 * file's own path (THREADLAB_SIDE_DIR/<path>/mod.js), and every thread —
 * the kernel's main thread and the workers — loads `<path>/mod.js` from
 * there as a module at its real path: so it sees its folder's packages,
 * requires the user's other files the same way, is one module per thread
 * (found in require's cache, so a function from it travels to a thread by
 * module and name, as a package's does), and is loaded again once the
 * kernel has compiled a changed file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "fs";
import type Module from "module";
import * as path from "path";
import { PACKAGE_ROOT } from "../own-code";
import { nodeModule } from "../state/builtins";

/** The folder the kernel keeps compiled side modules in (set by the kernel, inherited by its workers). */
const sideDir = (): string | undefined => process.env.THREADLAB_SIDE_DIR;

/** The kernel: keeps `code` as the JavaScript of the side module at `file` (an absolute path ending in .js). */
export function writeSideModule(file: string, code: string): void {
  const dir = sideDir();
  if (!dir) return;
  const target = path.join(dir, file);
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, target);
}

const loaded = new Map<string, { mod: Module; code: string }>();

/** The compiled code of the side module at `file`, if the kernel has one. */
function sideCode(file: string): string | undefined {
  const dir = sideDir();
  if (!dir || !path.isAbsolute(file)) return undefined;
  try {
    return readFileSync(path.join(dir, file), "utf8");
  } catch {
    return undefined;
  }
}

/**
 * A `require` as from `file` (a side module, or a cell in the notebook's folder): the user's own
 * files from the side folder first, and threadlab itself always, even where no node_modules has it.
 */
export function sideRequire(file: string): NodeJS.Require {
  const real = nodeModule().createRequire(file);
  const req = ((id: string) => {
    if (id.startsWith(".") || path.isAbsolute(id)) {
      let target = path.resolve(path.dirname(file), id);
      if (path.extname(target) === "") target += ".js";
      const side = loadSideModule(target);
      if (side) return side.exports as unknown;
    }
    try {
      return real(id) as unknown;
    } catch (err) {
      if (id === "threadlab" && (err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND")
        return require(PACKAGE_ROOT) as unknown;
      throw err;
    }
  }) as NodeJS.Require;
  return Object.assign(req, { resolve: real.resolve, cache: real.cache, main: real.main, extensions: real.extensions });
}

/**
 * Loads the side module at `file` (once per version of its code) and returns it; undefined when
 * the kernel has compiled no such file.
 */
export function loadSideModule(file: string): Module | undefined {
  const code = sideCode(file);
  if (code === undefined) return undefined;
  const known = loaded.get(file);
  if (known && known.code === code) return known.mod;
  const Module = nodeModule();
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
  mod.require = sideRequire(file) as typeof mod.require;
  loaded.set(file, { mod, code });
  // In require's cache under its path: a function from it travels to a thread by module and name.
  require.cache[file] = mod;
  (mod as unknown as { _compile(code: string, file: string): void })._compile(code, file);
  mod.loaded = true;
  return mod;
}
