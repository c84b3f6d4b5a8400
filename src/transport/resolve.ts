/**
 * Name resolution: turns a target function into a `Program` a worker can
 * rebuild — its source plus a binding for every free name it uses.
 *
 * A free name resolves, in this order, through:
 * 1. the resolvers registered with `addResolver` (`share({...})` in a script,
 *    the notebook's top-level names in the kernel, the names a thread itself
 *    received when it starts a thread);
 * 2. threadlab's own API;
 * 3. JavaScript and Node globals, which the worker has itself;
 * 4. TypeScript's emit helpers (`__awaiter`, ...), taken from tslib;
 * 5. the imports of the file that created the thread.
 * Anything else throws `NameError` at `start()`, naming the variable.
 */
import { builtinModules, createRequire } from "module";
import * as vm from "vm";
import { NameError, DataCloneError } from "../errors";
import { isShareable } from "../state/handle";
import { apiModuleFile, apiNameOf, apiObject, isApiName, isInternalName } from "./api";
import { encode } from "./copy";
import { importsOf, type ImportedName } from "./imports";
import { analyze, analyzeExpression } from "./source";

export type Binding =
  | { kind: "api"; name: string; prop?: string; internal?: boolean }
  | { kind: "source"; name: string; expr: string }
  | { kind: "data"; name: string; value: unknown }
  | { kind: "handle"; name: string; value: unknown }
  | { kind: "module"; name: string; request: string; prop?: string; interop?: "default" | "star" }
  | { kind: "helper"; name: string }
  | { kind: "require"; name: string; from: string }
  | { kind: "namespace"; name: string; members: Array<[prop: string, binding: string]> };

export interface Program {
  /** Expression for the target itself. */
  entry: string;
  /** Bindings in dependency order: what a binding uses comes before it. */
  bindings: Binding[];
  label: string;
}

/**
 * What a resolver knows of a name: its value, a ready binding, or (for an
 * object the code reads members of, as notebook cells read `exports.helper`)
 * how to resolve each member used.
 */
export type Resolved = { value: unknown } | { binding: Binding } | { members: (prop: string) => Resolved | undefined };
export type Resolver = (name: string) => Resolved | undefined;

const resolvers: Resolver[] = [];

/** Adds a step that resolves free names (first added, first asked). Returns a function that removes it. */
export function addResolver(resolver: Resolver): () => void {
  resolvers.push(resolver);
  return () => {
    const i = resolvers.indexOf(resolver);
    if (i >= 0) resolvers.splice(i, 1);
  };
}

const shared = new Map<string, unknown>();
addResolver((name) => (shared.has(name) ? { value: shared.get(name) } : undefined));

/**
 * Makes values visible by name to the threads started after this call, in a
 * script (a notebook's top-level names need no sharing). Functions and classes
 * travel as source, threadlab objects as handles to the same object, modules
 * as a fresh import, and plain data as a frozen copy taken at `start()`.
 *
 * @example share({ helper, config, counter });
 */
export function share(names: Record<string, unknown>): void {
  if (typeof names !== "object" || names === null || Array.isArray(names)) {
    throw new TypeError(`share() expected an object of names, like share({ helper, lock }), got ${String(names)}`);
  }
  for (const [k, v] of Object.entries(names)) shared.set(k, v);
}

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
function isGlobal(name: string): boolean {
  globalNames ??= new Set([...Object.getOwnPropertyNames(vm.runInNewContext("globalThis")), ...NODE_GLOBALS]);
  return globalNames.has(name);
}

let helpers: Record<string, unknown> | undefined;
function isHelper(name: string): boolean {
  helpers ??= require("tslib") as Record<string, unknown>;
  return name.startsWith("__") && typeof helpers[name] === "function";
}

let builtins: Map<unknown, string> | undefined;
/** The module a module object came from, if it is a loaded module. */
function moduleRequestOf(value: unknown): string | undefined {
  if (typeof value !== "object" && typeof value !== "function") return undefined;
  if (value === null) return undefined;
  for (const [file, mod] of Object.entries(require.cache)) if (mod?.exports === value) return file;
  if (!builtins) {
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
  return builtins.get(value);
}

/** How to fix an unknown name: args exist only for a thread's target; share() works for everything. */
const howToPass = (name: string, user: string) =>
  user.startsWith("the target of thread")
    ? `Pass it in args (new Thread({ target, args: [${name}] })), or make it visible to threads with share({ ${name} })`
    : `Make it visible to threads with share({ ${name} })`;

/** Builds the program for `target`. `callerOf` finds the file that starts the thread, if it is a file. */
export function buildProgram(
  target: (...args: never[]) => unknown,
  label: string,
  callerOf: () => string | undefined = () => undefined,
): Program {
  // One of threadlab's own functions or classes (an executor thread, a Timer): the worker has it already.
  const own = apiNameOf(target);
  if (own) return { entry: "__own", bindings: [{ kind: "api", name: "__own", prop: own.name, internal: own.internal }], label };
  const bindings: Binding[] = [];
  const state = new Map<string, "visiting" | "done">();
  const entry = analyze(target, label);
  const sources: string[] = [entry.expr];
  let caller: string | undefined | null = null;
  const callerImports = () => {
    if (caller === null) caller = callerOf();
    return caller ? importsOf(caller) : undefined;
  };

  const fromValue = (name: string, value: unknown, where: string): Binding | undefined => {
    if (typeof value === "function") {
      const own = apiNameOf(value);
      if (own) return { kind: "api", name, prop: own.name, internal: own.internal };
      const request = moduleRequestOf(value);
      if (request) return moduleBinding(name, request);
      const analysis = analyze(value as (...args: never[]) => unknown, `'${name}'`);
      sources.push(analysis.expr);
      visitAll(analysis.free, `'${name}'`);
      return { kind: "source", name, expr: analysis.expr };
    }
    if (value === apiObject()) return { kind: "api", name };
    if (isShareable(value)) return { kind: "handle", name, value: encode(value, name) };
    const request = moduleRequestOf(value);
    if (request) return moduleBinding(name, request);
    if (typeof value === "object" && value !== null && Object.prototype.toString.call(value) === "[object Module]") {
      throw new DataCloneError(
        `cannot send '${name}' to a thread: it is an ES module namespace. Import the module inside the target instead`,
      );
    }
    return { kind: "data", name, value: encode(value, `${name}${where}`) };
  };

  const moduleBinding = (name: string, request: string, imported?: ImportedName): Binding => {
    if (request === apiModuleFile()) {
      if (!imported?.prop || imported.prop === "default") return { kind: "api", name };
      return { kind: "api", name, prop: imported.prop };
    }
    return { kind: "module", name, request, prop: imported?.prop, interop: imported?.interop };
  };

  const resolveOne = (name: string, written: boolean, user: string): Binding | null => {
    for (const r of resolvers) {
      const hit = r(name);
      if (!hit) continue;
      if (written) throw writeError(name, user);
      if ("members" in hit) return namespace(name, hit.members, user);
      if ("binding" in hit) {
        const b = hit.binding;
        if (b.kind === "source") visitAll(analyzeExpression(b.expr, `'${name}'`).free, `'${name}'`);
        return b;
      }
      return fromValue(name, hit.value, "") ?? null;
    }
    if (isApiName(name) || isInternalName(name)) {
      if (written) throw writeError(name, user);
      return { kind: "api", name, prop: name, internal: isInternalName(name) };
    }
    if (isGlobal(name)) return null;
    if (isHelper(name)) return { kind: "helper", name };
    const imported = callerImports()?.get(name);
    if (imported) {
      if (written) throw writeError(name, user);
      return moduleBinding(name, imported.request, imported);
    }
    if (name === "require" && (callerImports(), caller)) {
      return { kind: "require", name, from: caller };
    }
    throw new NameError(
      `name '${name}' is not defined in the thread: ${user} uses '${name}', but a thread runs the source ` +
        `of its target in another worker, where it sees only JavaScript and Node globals, threadlab's API, ` +
        `the imports of the file that starts it and names shared with it. ${howToPass(name, user)}`,
    );
  };

  /** An object whose members the code reads (`exports.helper`): each member used travels by itself. */
  const namespace = (name: string, member: (prop: string) => Resolved | undefined, user: string): Binding => {
    const members: Array<[string, string]> = [];
    const seen = new Set<string>();
    const pattern = new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}\\.([A-Za-z_$][\\w$]*)`, "g");
    // Sources grow as members bring in functions that use more members: scan until none is new.
    for (let scanned = 0; scanned < sources.length; scanned++) {
      for (const m of sources[scanned].matchAll(pattern)) {
        const prop = m[1];
        if (seen.has(prop)) continue;
        seen.add(prop);
        const hit = member(prop);
        if (!hit) continue; // not (yet) defined: reading it in the thread gives undefined, as in the cell
        const internal = `${name}$${prop}`;
        let b: Binding | undefined;
        if ("members" in hit) continue;
        if ("binding" in hit) b = { ...hit.binding, name: internal };
        else b = fromValue(internal, hit.value, ` (${name}.${prop})`);
        if (b) bindings.push(b);
        members.push([prop, internal]);
      }
    }
    void user;
    return { kind: "namespace", name, members };
  };

  const visitAll = (free: Array<{ name: string; written: boolean }>, user: string) => {
    for (const { name, written } of free) {
      if (state.get(name) !== undefined) continue;
      state.set(name, "visiting");
      const b = resolveOne(name, written, user);
      if (b) bindings.push(b);
      state.set(name, "done");
    }
  };

  visitAll(entry.free, label);
  return { entry: entry.expr, bindings, label };
}

function writeError(name: string, user: string): TypeError {
  return new TypeError(
    `cannot assign to '${name}' in a thread: ${user} assigns to '${name}', but the thread gets its own copy, ` +
      `so the change would be lost. Keep the data in a Value (counter.value += 1), SharedArray, SharedList ` +
      `or SharedDict, or return it through a queue`,
  );
}
