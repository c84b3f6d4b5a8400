/**
 * Pool workers boot from one file: every module of the built library in a
 * single script (`dist/worker-bundle.js`, written by `writeBundle()` when
 * `npm run build` runs), compiled with a V8 code cache. A worker that loaded
 * ~60 files one by one spent most of its boot resolving, reading and
 * compiling them; this one reads one file and most of its code comes compiled.
 *
 * Each bundled module keeps its own file name and folder (for __dirname and
 * stack frames), and is entered into require's cache under its real path, so
 * a user's module that requires "threadlab" in a thread gets this same copy.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "fs";
import Module, { createRequire } from "module";
import { tmpdir } from "os";
import * as path from "path";
import * as vm from "vm";
import type * as acornTypes from "acorn";

const DIST_SRC = path.resolve(__dirname, "..");
export const BUNDLE = path.join(DIST_SRC, "..", "worker-bundle.js");

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return modules(file);
    return name.endsWith(".js") && name !== "bundle.js" ? [file] : [];
  });
}

/**
 * The code without its comments (half of the library's text, and every worker keeps the text
 * it compiled). A comment that spans lines leaves a line break, so automatic semicolons stay;
 * the source map comment goes too (frames in the bundle are the library's own, never shown).
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

/** Writes the bundle of every module under dist/src (run once, by the build). */
export function writeBundle(): void {
  const parts = modules(DIST_SRC).map((file) => {
    const code = withoutComments(readFileSync(file, "utf8"));
    return `${JSON.stringify(file)}: function (exports, require, module, __filename, __dirname) {\n${code}\n}`;
  });
  const text = `(function () { return {\n${parts.join(",\n")}\n}; })`;
  // ASCII only: one character outside Latin-1 (an em dash in a comment) makes V8 keep the whole
  // source as a two-byte string, twice the memory in every worker. A \u escape means the same
  // character in a string, a template, a regular expression, an identifier and a comment alike.
  writeFileSync(
    BUNDLE,
    text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  );
}

/** A short name for a path (FNV-1a): the cache's file name. */
function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

type Definition = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;

/**
 * Loads the bundle and runs module `entry` (a path under dist/src) from it; returns its exports,
 * or undefined if there is no bundle (the caller then loads the files one by one). A module some
 * file already loaded (it is in require's cache) is used as it is: one copy of each, always.
 */
export function loadFromBundle(entry: string): unknown {
  if (!existsSync(BUNDLE)) return undefined;
  const code = readFileSync(BUNDLE, "utf8");
  const cacheDir = path.join(tmpdir(), "threadlab-code-cache");
  // One cache file per Node version and bundle path (so rebuilding replaces it rather than adding
  // one); its first line says which build of the bundle it was made from (size and time).
  const cacheFile = path.join(cacheDir, `${process.version}-${hashOf(BUNDLE)}.bin`);
  const stat = statSync(BUNDLE);
  const stamp = Buffer.from(`${stat.size} ${stat.mtimeMs}\n`);
  let cachedData: Buffer | undefined;
  try {
    const file = readFileSync(cacheFile);
    if (file.subarray(0, stamp.length).equals(stamp)) cachedData = file.subarray(stamp.length);
  } catch {
    /* no cache yet: this worker makes it */
  }
  const script = new vm.Script(code, { filename: BUNDLE, cachedData });
  const definitions = (script.runInThisContext() as () => Record<string, Definition>)();
  const loaded = new Map<string, Module>();
  const load = (file: string): unknown => {
    const known = loaded.get(file) ?? require.cache[file];
    if (known) return known.exports as unknown;
    const define = definitions[file];
    if (!define) return require(file);
    const mod = new Module(file, module);
    mod.filename = file;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
    loaded.set(file, mod);
    // In require's cache under its real path: whoever requires the file gets this copy.
    require.cache[file] = mod;
    const real = createRequire(file);
    const req = Object.assign((id: string) => {
      if (id.startsWith(".")) {
        const target = path.resolve(path.dirname(file), id);
        for (const candidate of [target, `${target}.js`, path.join(target, "index.js")])
          if (definitions[candidate]) return load(candidate);
      }
      return real(id) as unknown;
    }, real) as NodeJS.Require;
    define.call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
    mod.loaded = true;
    return mod.exports;
  };
  const entryExports = load(path.join(DIST_SRC, entry));
  if (!cachedData || script.cachedDataRejected) {
    // Made after the modules ran, the cache holds the code they compiled as they loaded.
    try {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(tmp, Buffer.concat([stamp, script.createCachedData()]));
      renameSync(tmp, cacheFile);
    } catch {
      /* no cache this time: the next worker tries again */
    }
  }
  return entryExports;
}

/** Runs module `entry` from the bundle; returns false if there is no bundle. */
export function runFromBundle(entry: string): boolean {
  return loadFromBundle(entry) !== undefined;
}

if (require.main === module) writeBundle();
