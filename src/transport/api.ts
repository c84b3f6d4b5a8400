/**
 * threadlab's own names, as threads see them. A thread's code may use any
 * name of the public API (`Lock`, `sleep`, `print`...) without it being sent:
 * every worker has the library. `index.ts` fills the table with the public
 * API; a module that runs library code in threads under a name (the executor)
 * registers that name here as an internal, which user code never sees.
 */

let api: Record<string, unknown> = {};
let apiFile: string | undefined;
const internals: Record<string, unknown> = {};

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

/** Each API value's name (the first, in the order of the exports), then each internal's: made on first use. */
let byValue: Map<unknown, { name: string; internal: boolean }> | undefined;

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
  if (!byValue) {
    byValue = new Map();
    for (const name of Object.keys(api)) {
      const v = api[name];
      if (name !== "default" && !byValue.has(v)) byValue.set(v, { name, internal: false });
    }
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
  return Object.prototype.hasOwnProperty.call(internals, name);
}

/** The value of an API (or internal) name in this thread. */
export function apiValue(name: string, internal = false): unknown {
  return internal ? internals[name] : api[name];
}
