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
}

/** Registers a library function that threads call by `name` (not part of the public API). */
export function registerInternal(name: string, value: unknown): void {
  internals[name] = value;
}

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
  for (const name of Object.keys(api)) if (api[name] === value && name !== "default") return { name, internal: false };
  for (const name of Object.keys(internals)) if (internals[name] === value) return { name, internal: true };
  return undefined;
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
