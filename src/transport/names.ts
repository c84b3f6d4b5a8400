/**
 * Facts about names and values that every thread shares without sending:
 * the JavaScript and Node globals (every worker has its own), TypeScript's
 * emit helpers (from tslib), loaded modules (a fresh import in the worker),
 * and a module's `require` function.
 */
import { builtinModules, createRequire } from "module";
import * as path from "path";
import * as vm from "vm";

const NODE_GLOBALS = [
  "global",
  "globalThis",
  "process",
  "Buffer",
  "console",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "setImmediate",
  "clearImmediate",
  "queueMicrotask",
  "structuredClone",
  "URL",
  "URLSearchParams",
  "TextEncoder",
  "TextDecoder",
  "AbortController",
  "AbortSignal",
  "EventTarget",
  "Event",
  "MessageChannel",
  "MessagePort",
  "MessageEvent",
  "BroadcastChannel",
  "Blob",
  "performance",
  "fetch",
  "Headers",
  "Request",
  "Response",
  "FormData",
  "atob",
  "btoa",
  "crypto",
  "DOMException",
  "navigator",
  "WebAssembly",
  "CustomEvent",
  "File",
  "CompressionStream",
  "DecompressionStream",
  "ReadableStream",
  "WritableStream",
  "TransformStream",
  "WebSocket",
];
let globalNames: Set<string> | undefined;

/** Whether `name` is a JavaScript or Node global, which every worker has itself. */
export function isGlobal(name: string): boolean {
  globalNames ??= new Set([...Object.getOwnPropertyNames(vm.runInNewContext("globalThis") as object), ...NODE_GLOBALS]);
  return globalNames.has(name);
}

let helpers: Record<string, unknown> | undefined;

/** Whether `name` is one of TypeScript's emit helpers (`__awaiter`...), which a thread takes from tslib. */
export function isHelper(name: string): boolean {
  helpers ??= require("tslib") as Record<string, unknown>;
  return name.startsWith("__") && typeof helpers[name] === "function";
}

let builtins: Map<unknown, string> | undefined;
const known = new WeakMap<object, string>();

/** The exports of every builtin module that loads without a warning, by value. */
function loadBuiltins(): void {
  if (builtins) return;
  builtins = new Map();
  const req = createRequire(__filename);
  for (const name of builtinModules) {
    // Skip internals and modules whose loading warns (deprecated or experimental).
    if (name.startsWith("_") || /^(wasi|test|sqlite|sea|inspector|sys|punycode|constants|trace_events)/.test(name)) continue;
    try {
      builtins.set(req(name), name);
    } catch {
      /* not loadable here */
    }
  }
}

/**
 * The files of require's cache by their exports, made again when the cache changed: a module added
 * comes last in its keys (one deleted and required again, too, as a new module object), so the
 * count of keys, the last key and its module tell. `loading` are those whose top level was still
 * running then (the program's main module, while it starts threads), the only ones whose
 * `module.exports` may still be replaced: they are looked at again at every miss. (Going through
 * the whole cache for every object a thread was sent cost each start of a closure over an array
 * 20 µs here.)
 */
let cacheFiles = -1;
let lastModule: NodeJS.Module | undefined;
const fileByExports = new Map<unknown, string>();
let loading: string[] = [];
function fileOfExports(value: object): string | undefined {
  const files = Object.keys(require.cache);
  const last = files.length ? require.cache[files[files.length - 1]] : undefined;
  if (files.length !== cacheFiles || last !== lastModule) {
    cacheFiles = files.length;
    lastModule = last;
    fileByExports.clear();
    loading = [];
    for (const file of files) {
      const mod = require.cache[file];
      if (!mod) continue;
      if (!mod.loaded) loading.push(file);
      const exports: unknown = mod.exports;
      if (((typeof exports === "object" && exports !== null) || typeof exports === "function") && !fileByExports.has(exports)) {
        fileByExports.set(exports, file);
      }
    }
  }
  const file = fileByExports.get(value);
  if (file !== undefined && require.cache[file]?.exports === value) return file;
  return loading.find((f) => require.cache[f]?.exports === value);
}

/** The module a value is the exports of, if it is a loaded module (a file in require's cache, or a builtin). */
export function moduleRequestOf(value: unknown): string | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) {
    loadBuiltins();
    return undefined;
  }
  const seen = known.get(value);
  if (seen) return seen;
  let found = fileOfExports(value);
  if (!found) {
    loadBuiltins();
    found = builtins!.get(value);
  }
  if (found) known.set(value, found);
  return found;
}

let exportsSeen = -1;
const exported = new Map<unknown, { request: string; prop: string }>();

/**
 * The builtin or package module that exports function `fn` under a name (`path.basename`,
 * `lodash.debounce`): a thread imports it afresh, rather than being sent its source.
 * The user's own modules are not looked at: their functions travel as source.
 */
export function packageExportOf(fn: unknown): { request: string; prop: string } | undefined {
  if (typeof fn !== "function") return undefined;
  const cacheSize = Object.keys(require.cache).length;
  if (cacheSize !== exportsSeen) {
    exportsSeen = cacheSize;
    loadBuiltins();
    const add = (request: string, exports: unknown) => {
      if ((typeof exports !== "object" && typeof exports !== "function") || exports === null) return;
      for (const prop of Object.keys(exports)) {
        let value: unknown;
        try {
          value = (exports as Record<string, unknown>)[prop];
        } catch {
          continue;
        }
        if (typeof value === "function" && !exported.has(value)) exported.set(value, { request, prop });
      }
    };
    for (const [exports, name] of builtins ?? []) add(name, exports);
    for (const [file, mod] of Object.entries(require.cache))
      if (file.includes(`${path.sep}node_modules${path.sep}`)) add(file, mod?.exports);
  }
  return exported.get(fn);
}

/** Whether `value` is a module's `require` function; then the file it resolves from. */
export function requireFrom(value: unknown): string | undefined {
  if (typeof value !== "function") return undefined;
  const r = value as Partial<NodeJS.Require>;
  if (r.cache !== require.cache || typeof r.resolve !== "function" || typeof r.resolve.paths !== "function") return undefined;
  // For a relative request, resolve.paths gives the requiring module's own folder.
  const dir = r.resolve.paths("./x")?.[0];
  return dir ? path.join(dir, "__threadlab_require__.js") : undefined;
}

/** Whether an import request names a package or builtin (not one of the user's own files). */
export function isPackageRequest(request: string): boolean {
  return !path.isAbsolute(request) || request.includes(`${path.sep}node_modules${path.sep}`);
}
