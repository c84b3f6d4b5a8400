/**
 * threadlab's own names, as threads see them. A thread's code may use any
 * name of the public API (`Lock`, `sleep`, `print`...) without it being sent:
 * every worker has the library. `index.ts` fills the table with the public
 * API; a module that runs library code in threads under a name (the executor)
 * registers that name here as an internal, which user code never sees.
 */

import { lazyLoadCount, loadedOnly } from "../state/lazy";

let api: Record<string, unknown> = {};
let apiFile: string | undefined;
const internals: Record<string, unknown> = {};
/** The module that registers each internal: a worker loads it when a thread first uses the name. */
const INTERNAL_MODULES: Readonly<Record<string, string>> = { __threadlab_executorThread: "../futures/executor" };

/** Called once by `index.ts`: its exports, and the file a user's `require("threadlab")` loads. */
export function registerApi(exports: Record<string, unknown>, file: string): void {
  api = exports;
  apiFile = file;
  byValue = undefined;
}

/** Registers a library function that threads call by `name` (not part of the public API). */
export function registerInternal(name: string, value: unknown): void {
  internals[name] = value;
  byValue = undefined;
}

/**
 * Each API value's name (the first, in the order of the exports), then each internal's: made on first
 * use, of the names whose module is loaded (no one holds a value of the others), and made again once
 * another module of the library has loaded.
 */
let byValue: Map<unknown, { name: string; internal: boolean }> | undefined;
let byValueLoads = -1;

/** The public API object (what `require("threadlab")` returns). */
export function apiObject(): Record<string, unknown> {
  return api;
}

/** The file of the public API module, to recognize imports of threadlab itself. */
export function apiModuleFile(): string | undefined {
  return apiFile;
}

/** The API or internal name under which `value` is known, if it is one of threadlab's own. */
export function apiNameOf(value: unknown): { name: string; internal: boolean } | undefined {
  // Asked on every thread start: a scan of the ~60 exports (each a getter) cost 3 µs of it.
  if (!byValue || byValueLoads !== lazyLoadCount()) {
    byValueLoads = lazyLoadCount();
    const map = new Map<unknown, { name: string; internal: boolean }>();
    byValue = map;
    loadedOnly(() => {
      for (const name of Object.keys(api)) {
        const v = api[name];
        if (name !== "default" && v !== undefined && !map.has(v)) map.set(v, { name, internal: false });
      }
    });
    for (const name of Object.keys(internals)) {
      const v = internals[name];
      if (!byValue.has(v)) byValue.set(v, { name, internal: true });
    }
  }
  const found = byValue.get(value);
  return found ? { ...found } : undefined;
}

/** Whether `name` is a public API name. */
export function isApiName(name: string): boolean {
  return name !== "default" && Object.prototype.hasOwnProperty.call(api, name);
}

/** Whether `name` is an internal library name threads may call. */
export function isInternalName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(internals, name) || Object.prototype.hasOwnProperty.call(INTERNAL_MODULES, name);
}

/** The value of an API (or internal) name in this thread. */
export function apiValue(name: string, internal = false): unknown {
  if (!internal) return api[name];
  if (!Object.prototype.hasOwnProperty.call(internals, name) && Object.prototype.hasOwnProperty.call(INTERNAL_MODULES, name))
    require(INTERNAL_MODULES[name]);
  return internals[name];
}
