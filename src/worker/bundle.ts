/**
 * Pool workers and the package's main load the library from bundles: the
 * built modules in a few scripts (written by build-bundle.ts when `npm run
 * build` runs), each compiled with a V8 code cache. `dist/worker-bundle.js`
 * holds what start-up runs; the rest of the library and the parser's packages
 * are in two more, compiled when one of their modules is first needed. A
 * worker that loaded ~60 files one by one spent most of its boot resolving,
 * reading and compiling them; this one reads one file and most of its code
 * comes compiled.
 *
 * Each bundled module keeps its own file name and folder (for __dirname and
 * stack frames), and is entered into require's cache under its real path, so
 * a user's module that requires "threadlab" in a thread gets this same copy.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import type ModuleClass from "module";
import * as path from "path";
import * as vm from "vm";
import { isMainThread, workerData } from "worker_threads";
import { os } from "../state/builtins";
import { countLazyLoad, isPeeking } from "../state/lazy";

export const DIST_SRC = path.resolve(__dirname, "..");
export const BUNDLE = path.join(DIST_SRC, "..", "worker-bundle.js");

/** Where the modules that start-up does not need live: loaded the first time one of them is. */
export const REST = path.join(DIST_SRC, "..", "worker-bundle-rest.js");
export type BundleName = "rest" | "parser";
/**
 * The packages that read a function's source to send it (transport/parser.ts), with what they
 * require: loaded at a process's first thread start (12 ms from their files, here, without a code
 * cache), and in a worker only once its thread starts a thread.
 */
export const PARSER = path.join(DIST_SRC, "..", "worker-bundle-parser.js");

export const INDEX = path.join(DIST_SRC, "index.js");

/** The bundled module that relative `id`, required by `file`, names, as Node would find it; or undefined. */
export function bundledTarget(file: string, id: string, isBundled: (file: string) => boolean): string | undefined {
  const target = path.resolve(path.dirname(file), id);
  return [target, `${target}.js`, path.join(target, "index.js")].find(isBundled);
}

/** A short name for a path (FNV-1a): the cache's file name. */
function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

type Definition = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
interface Compiled {
  script: vm.Script;
  cacheFile: () => string;
  stamp: Buffer;
  fresh: boolean;
  modules: Record<string, Definition>;
  /** In the first bundle: the index's lazy re-exports, and which later bundle holds each other module. */
  lazy?: string[];
  later?: Record<string, BundleName>;
  /** The parser's packages: each one's main, and where each of their files' requires go. */
  packages?: Record<string, string>;
  links?: Record<string, Record<string, string>>;
}

/** The folder of the code caches (Node's os module is loaded for it only when a cache file is read or written: a pool worker compiles from the caches main shares). */
const cacheDir = () => process.env.THREADLAB_CODE_CACHE_DIR || path.join(os().tmpdir(), "threadlab-code-cache");

/**
 * Where bundle `file`'s code cache for `role` is. One file per Node version and bundle path (so
 * rebuilding replaces it rather than adding one); its first line says which build of the bundle it
 * was made from (size and time). Main's cache and a worker's apart: each holds the code its side ran
 * (a worker deserializes all of its cache: main's, with what only main runs, cost a worker 0.3 MiB
 * more). And one per set of Node flags: V8 rejects a cache made under other flags
 * (`--max-old-space-size`, `--stack-size`...), and a program run now with flags and now without
 * rejected and rewrote the other's each time, so each of its workers compiled the bundle from nothing.
 */
function cacheFileOf(file: string, role: "main" | "worker", execArgv: readonly string[]): string {
  const flags = [...execArgv, process.env.NODE_OPTIONS ?? ""].join(" ").trim();
  return path.join(cacheDir(), `${process.version}-${hashOf(file)}${flags ? `-${hashOf(flags)}` : ""}-${role}.bin`);
}

/**
 * The pool workers' code caches of the three bundles, read once by main into shared memory (each
 * file whole, its stamp line first) for every worker to compile from: a worker that read its own
 * copy kept it (150 KB) until its heap's next full collection, which a thread that blocks never
 * brings (RSS per blocked worker, the core bundle alone: 8.48 -> 8.35 MB). `execArgv`: the flags
 * pool workers run with.
 */
export function workerCodeCaches(execArgv: readonly string[]): Record<string, SharedArrayBuffer> {
  const out: Record<string, SharedArrayBuffer> = {};
  for (const file of [BUNDLE, REST, PARSER]) {
    try {
      const bytes = readFileSync(cacheFileOf(file, "worker", execArgv));
      const shared = new SharedArrayBuffer(bytes.length);
      new Uint8Array(shared).set(bytes);
      out[file] = shared;
    } catch {
      /* none yet: the first worker to load that bundle writes it */
    }
  }
  return out;
}

/** The cache main shared for `file`, in a pool worker (see workerCodeCaches). */
function sharedCache(file: string): Uint8Array | undefined {
  const data = workerData as { codeCaches?: Record<string, SharedArrayBuffer> } | null;
  const shared = isMainThread ? undefined : data?.codeCaches?.[file];
  return shared && new Uint8Array(shared);
}

/** Compiles bundle `file` with its code cache, and runs its top level: its module table. */
function compile(file: string): Compiled {
  const code = readFileSync(file, "utf8");
  const cacheFile = () => cacheFileOf(file, isMainThread ? "main" : "worker", process.execArgv);
  const stat = statSync(file);
  const stamp = Buffer.from(`${stat.size} ${stat.mtimeMs}\n`);
  /** Whether a cache (its stamp line first) was made from this build of the bundle. */
  const fits = (cache: Uint8Array) => stamp.equals(cache.subarray(0, stamp.length));
  let cachedData: Uint8Array | undefined;
  try {
    const shared = sharedCache(file);
    const cached = shared && fits(shared) ? shared : readFileSync(cacheFile());
    if (cached === shared || fits(cached)) cachedData = cached.subarray(stamp.length);
  } catch {
    /* no cache yet: this worker makes it */
  }
  const script = new vm.Script(code, { filename: file, cachedData });
  const table = (script.runInThisContext() as () => Pick<Compiled, "modules" | "lazy" | "later" | "packages" | "links">)();
  return { script, cacheFile, stamp, fresh: !cachedData || script.cachedDataRejected === true, ...table };
}

/**
 * Writes `bundle`'s code cache if it had none: made after modules ran, it holds the code they
 * compiled. Main's is made as the process exits (once after each build), so that it holds what
 * the program's first thread start ran too (acorn's parser: 7 ms of a first start without it); a
 * worker's at once (a worker is often stopped rather than let exit).
 */
function saveCache(bundle: Compiled): void {
  if (!bundle.fresh) return;
  bundle.fresh = false;
  if (isMainThread) process.once("exit", () => writeCache(bundle));
  else writeCache(bundle);
}

/**
 * Makes folder `dir` and the folders above it that are missing. Not `mkdirSync(dir, { recursive: true })`:
 * Node's never returns for a path under /proc (THREADLAB_CODE_CACHE_DIR=/proc/x hung a worker writing its
 * cache, and the join of its thread); here such a path fails at once and the worker goes on without a cache.
 */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    const parent = path.dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw err;
    makeDir(parent);
    mkdirSync(dir);
  }
}

function writeCache(bundle: Compiled): void {
  try {
    const cacheFile = bundle.cacheFile();
    makeDir(path.dirname(cacheFile));
    const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, Buffer.concat([bundle.stamp, bundle.script.createCachedData()]));
    renameSync(tmp, cacheFile);
    pruneCaches(path.dirname(cacheFile));
  } catch {
    /* no cache this time: the next worker tries again */
  }
}

/** At most this many cache files are kept: one per build, role and set of flags a program ran with. */
const MAX_CACHES = 64;

/** Removes the oldest caches beyond MAX_CACHES (a new one is written only after a build, or under new flags). */
function pruneCaches(dir: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith(".bin"));
  if (files.length <= MAX_CACHES) return;
  const byAge = files.map((f) => ({ f, at: statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => a.at - b.at);
  for (const { f } of byAge.slice(0, files.length - MAX_CACHES)) rmSync(path.join(dir, f), { force: true });
}

let loadOne: ((file: string) => unknown) | undefined;

/**
 * Loads the bundle and runs module `entry` (a path under dist/src) from it; returns its exports,
 * or undefined if there is no bundle (the caller then loads the files one by one). A module some
 * file already loaded (it is in require's cache) is used as it is: one copy of each, always. A
 * second call (a thread's require("threadlab") after its worker booted) uses the same bundle.
 */
export function loadFromBundle(entry: string): unknown {
  if (loadOne) return loadOne(path.join(DIST_SRC, entry));
  if (!existsSync(BUNDLE)) return undefined;
  const first = compile(BUNDLE);
  const laterOf = first.later ?? {};
  const bundles: Partial<Record<BundleName, Compiled>> = {};
  const bundleOf = (file: string): Compiled | undefined => {
    const name = Object.prototype.hasOwnProperty.call(laterOf, file) ? laterOf[file] : undefined;
    return name && (bundles[name] ??= compile(name === "rest" ? REST : PARSER));
  };
  const definitionOf = (file: string): Definition | undefined => first.modules[file] ?? bundleOf(file)?.modules[file];
  const bundled = (file: string) => first.modules[file] !== undefined || Object.prototype.hasOwnProperty.call(laterOf, file);
  const lazy = new Set(first.lazy);
  const links = first.links ?? {};
  // A package is taken from the bundle while its file is where it was when the bundle was written (the
  // build writes the bundle where it runs; resolving the id again cost a first thread start 3 ms).
  const packageOk = new Map<string, boolean>();
  const packageFile = (id: string): string | undefined => {
    const file = first.packages?.[id];
    if (!file) return undefined;
    if (!packageOk.has(id)) packageOk.set(id, existsSync(file));
    return packageOk.get(id) ? file : undefined;
  };
  // Node's module class, as this module's own object has it (the module builtin loads ES-module
  // machinery with it: 45 KB of every worker's memory).
  const Module = module.constructor as typeof ModuleClass;
  const loaded = new Map<string, ModuleClass>();
  // One require for what is not in the bundle (Node's modules, packages, by absolute path or id), shared
  // by every bundled module: they all live in dist/src, so a package resolves the same from each as from
  // here. (One per module, with its module paths, was a fifth of what a worker's start-up allocated.)
  const outside = require;
  const paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(DIST_SRC);
  /** A lazy module's exports before it is loaded: it loads on the first read of a name (see build-bundle.ts, writeBundle). */
  const later = (file: string): object =>
    new Proxy(
      {},
      {
        get: (_, key) =>
          isPeeking() && !loaded.has(file) && !require.cache[file]
            ? undefined
            : (load(file) as Record<PropertyKey, unknown>)[key],
        has: (_, key) => key in (load(file) as object),
      },
    );
  const load = (file: string): unknown => {
    const known = loaded.get(file) ?? require.cache[file];
    if (known) return known.exports as unknown;
    const define = definitionOf(file);
    if (!define) return require(file);
    if (laterOf[file] !== undefined) countLazyLoad();
    const mod = new Module(file, module);
    mod.filename = file;
    mod.paths = paths;
    loaded.set(file, mod);
    // In require's cache under its real path: whoever requires the file gets this copy.
    require.cache[file] = mod;
    const dir = path.dirname(file);
    const linked = Object.prototype.hasOwnProperty.call(links, file) ? links[file] : undefined;
    const req = Object.assign((id: string) => {
      // A package's file: what it requires was resolved when the bundle was written.
      if (linked) {
        const target = linked[id];
        return (target ? (bundled(target) ? load(target) : outside(target)) : outside(id)) as unknown;
      }
      // A bundled module by its path (the build wrote its requires so: see withPaths).
      if (bundled(id)) return file === INDEX && lazy.has(id) && !loaded.has(id) ? later(id) : load(id);
      // A relative id the build could not write (a require of a computed name: state/handle.ts).
      if (id.startsWith(".")) {
        const found = bundledTarget(file, id, bundled);
        // Else a file of the library outside the bundle (bundle.js itself).
        return (found ? load(found) : outside(path.resolve(dir, id))) as unknown;
      }
      const pkg = packageFile(id);
      return (pkg ? load(pkg) : outside(id)) as unknown;
    }, outside) as NodeJS.Require;
    define.call(mod.exports, mod.exports, req, mod, file, dir);
    mod.loaded = true;
    const own = bundleOf(file);
    if (own) saveCache(own);
    return mod.exports;
  };
  loadOne = load;
  const entryExports = load(path.join(DIST_SRC, entry));
  saveCache(first);
  return entryExports;
}

/** Runs module `entry` from the bundle; returns false if there is no bundle. */
export function runFromBundle(entry: string): boolean {
  return loadFromBundle(entry) !== undefined;
}
