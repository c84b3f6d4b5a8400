/**
 * What the V8 inspector tells about a function: where it is defined
 * (`[[FunctionLocation]]`) and the variables its scopes hold (`[[Scopes]]`:
 * block, closure, module and script scopes). A `Session` connected to this
 * very thread answers each `post` synchronously, so this runs inside
 * `start()` without yielding. The global scope is never listed (that costs
 * milliseconds): globals are resolved by name elsewhere.
 *
 * Each call costs tens of microseconds, so callers ask only for functions
 * that use names which could be lexical, and cache what they learn.
 */
import { Session } from "inspector";

export interface FunctionLocation {
  scriptId: string;
  /** 0-based, as V8 gives it: the function's parameter list (or `class` keyword, or arrow start). */
  lineNumber: number;
  columnNumber: number;
}

interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  unserializableValue?: string;
  objectId?: string;
  description?: string;
}

interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}

let session: Session | undefined;
let group = 0;

function post<T>(method: string, params: object): T {
  if (!session) {
    session = new Session();
    session.connect();
  }
  const answer: { done: boolean; error?: Error | null; result?: T } = { done: false };
  session.post(method, params, (err: Error | null, res?: object) => {
    answer.error = err;
    answer.result = res as T;
    answer.done = true;
  });
  // A session connected to the current thread answers at once; anything else is a bug here.
  if (!answer.done) throw new Error(`threadlab: the inspector did not answer ${method} synchronously`);
  if (answer.error) throw answer.error;
  return answer.result!;
}

const SLOT = "__threadlab_inspect";
const REALM = "__threadlab_realm";
/** The inspector's id for the context this module runs in, when it is not the main one (a vm context, as jest's). */
let contextId: number | undefined;

/**
 * Finds the execution context whose global is this module's `globalThis`:
 * lists the contexts (Runtime.enable replays them; disabled again at once,
 * so console calls are not mirrored to this session) and asks each for a
 * mark put on this realm's global.
 */
function findOwnContext(): number | undefined {
  const mark = `${process.pid}-${Math.random()}`;
  (globalThis as Record<string, unknown>)[REALM] = mark;
  const ids: number[] = [];
  const onCreated = (m: { params: { context: { id: number } } }) => ids.push(m.params.context.id);
  session!.on("Runtime.executionContextCreated", onCreated);
  try {
    post("Runtime.enable", {});
    post("Runtime.disable", {});
  } finally {
    session!.off("Runtime.executionContextCreated", onCreated);
  }
  for (const id of ids) {
    try {
      const { result } = post<{ result: RemoteObject }>("Runtime.evaluate", {
        expression: `globalThis.${REALM}`,
        contextId: id,
        silent: true,
      });
      if (result.value === mark) return id;
    } catch {
      /* a context that is gone */
    }
  }
  return undefined;
}

/** A RemoteObject for the function in `SLOT` of this realm's global. */
function slotObject(objectGroup: string): RemoteObject {
  const ask = () =>
    post<{ result: RemoteObject }>("Runtime.evaluate", {
      expression: `globalThis.${SLOT}`,
      objectGroup,
      silent: true,
      ...(contextId === undefined ? {} : { contextId }),
    }).result;
  let found = ask();
  if (!found.objectId && contextId === undefined) {
    contextId = findOwnContext();
    if (contextId !== undefined) found = ask();
  }
  if (!found.objectId) throw new Error("threadlab: the inspector cannot see this thread's functions");
  return found;
}

/** A scope of the function, innermost first, with the variables asked for that it holds. */
export interface ScopeVariables {
  /** "block", "closure", "module", "script", "local", "with", "catch", "eval"... (never "global"). */
  type: string;
  values: Map<string, unknown>;
}

export interface FunctionScopes {
  location: FunctionLocation | undefined;
  scopes: ScopeVariables[];
}

/** The real value a RemoteObject stands for (objects are fetched in one batch by `fetch`). */
function primitive(o: RemoteObject): unknown {
  if (o.type === "undefined") return undefined;
  if (o.unserializableValue !== undefined) {
    const u = o.unserializableValue;
    if (u.endsWith("n")) return BigInt(u.slice(0, -1));
    return Number(u); // NaN, Infinity, -Infinity, -0
  }
  return o.value;
}

/**
 * Reads, from a function's `[[Scopes]]` list (an array of `{ description, object }`, the object
 * holding the scope's variables), each of `names` from the innermost scope that holds it.
 */
function readScopeList(
  list: ArrayLike<{ description?: unknown; object?: object } | undefined>,
  names: readonly string[],
): ScopeVariables[] {
  const left = new Set(names);
  const out: ScopeVariables[] = [];
  for (let k = 0; k < list.length && left.size > 0; k++) {
    const scope = list[k];
    if (!scope?.object) continue;
    const type = String(scope.description).split(" ")[0].toLowerCase();
    if (type === "global") continue;
    const values = new Map<string, unknown>();
    for (const name of [...left]) {
      if (!Object.prototype.hasOwnProperty.call(scope.object, name)) continue;
      left.delete(name);
      try {
        values.set(name, (scope.object as Record<string, unknown>)[name]);
      } catch {
        /* a binding not yet initialized: as if absent */
      }
    }
    out.push({ type, values });
  }
  return out;
}

/**
 * The inspector runs `READ_SCOPES` on a `[[Scopes]]` list (Runtime.callFunctionOn): a one-line call
 * of `readScopeList`, which this global (not enumerable) reaches, with the names in `wanted` and the
 * answer left in `scopesRead`. A reader compiled from the call's text each time and given the names as
 * a call argument cost 84 µs a call in a program starting closures here (80 alone); this one, 47 (38).
 */
const READER = "__threadlab_read_scopes";
const READ_SCOPES = `function () { globalThis.${READER}(this); }`;
let wanted: readonly string[] = [];
let scopesRead: ScopeVariables[] | undefined;
function installReader(): void {
  if (Object.prototype.hasOwnProperty.call(globalThis, READER)) return;
  Object.defineProperty(globalThis, READER, {
    value: (list: Parameters<typeof readScopeList>[0]) => (scopesRead = readScopeList(list, wanted)),
    configurable: true,
  });
}

/**
 * The object group of this call's remote objects (the function and its `[[Scopes]]` list). One group
 * serves GROUP_CALLS calls, then is released (as is a group still open when the thread next runs its
 * event loop): releasing one after every call cost each closure's start 20 µs, and a group holds only
 * those two objects per call.
 */
const GROUP_CALLS = 32;
let openGroup: string | undefined;
let groupCalls = 0;
function releaseGroup(): void {
  if (openGroup === undefined) return;
  const name = openGroup;
  openGroup = undefined;
  post("Runtime.releaseObjectGroup", { objectGroup: name });
}
function callGroup(): string {
  if (openGroup !== undefined && groupCalls < GROUP_CALLS) {
    groupCalls++;
    return openGroup;
  }
  releaseGroup();
  openGroup = `threadlab-${++group}`;
  groupCalls = 1;
  setImmediate(releaseGroup).unref();
  return openGroup;
}

/**
 * The location of `fn` and, for each of `names`, its value in the innermost
 * scope of `fn` that holds it. Names no scope holds (globals, or undefined)
 * are absent from every `values` map.
 */
export function scopesOf(fn: (...args: never[]) => unknown, names: readonly string[]): FunctionScopes {
  const objectGroup = callGroup();
  (globalThis as Record<string, unknown>)[SLOT] = fn;
  try {
    const fnObject = slotObject(objectGroup);
    const own = post<{ internalProperties?: PropertyDescriptor[] }>("Runtime.getProperties", {
      objectId: fnObject.objectId,
      ownProperties: true,
    });
    const internal = own.internalProperties ?? [];
    const location = internal.find((p) => p.name === "[[FunctionLocation]]")?.value?.value as FunctionLocation | undefined;
    const scopeList = internal.find((p) => p.name === "[[Scopes]]")?.value;
    if (!scopeList?.objectId || names.length === 0) return { location, scopes: [] };
    // One call, run in this isolate on the [[Scopes]] list: it reads the names and leaves the real
    // values here — instead of listing every scope's variables as remote objects and fetching the
    // objects back (2 + one per scope calls: 1b's start+join spent ~70% of its time so).
    installReader();
    wanted = names;
    scopesRead = undefined;
    try {
      post("Runtime.callFunctionOn", { objectId: scopeList.objectId, functionDeclaration: READ_SCOPES, silent: true });
      if (!scopesRead) throw new Error("threadlab: the inspector could not read this function's scopes");
      return { location, scopes: scopesRead };
    } finally {
      wanted = [];
      scopesRead = undefined;
    }
  } finally {
    delete (globalThis as Record<string, unknown>)[SLOT];
  }
}

/** Whether `fn` is a bound function (`f.bind(obj)`): its source is not its own. */
export function isBound(fn: (...args: never[]) => unknown): boolean {
  return fn.name.startsWith("bound ") && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
}

/** What a bound function binds: the function, the `this` and the leading arguments. */
export function boundParts(fn: (...args: never[]) => unknown): { target: unknown; thisArg: unknown; args: unknown[] } {
  const objectGroup = `threadlab-${++group}`;
  (globalThis as Record<string, unknown>)[SLOT] = fn;
  try {
    const fnObject = slotObject(objectGroup);
    const internal =
      post<{ internalProperties?: PropertyDescriptor[] }>("Runtime.getProperties", {
        objectId: fnObject.objectId,
        ownProperties: true,
      }).internalProperties ?? [];
    const part = (name: string) => internal.find((p) => p.name === name)?.value;
    const pieces = [part("[[TargetFunction]]"), part("[[BoundThis]]"), part("[[BoundArgs]]")];
    post("Runtime.callFunctionOn", {
      objectId: fnObject.objectId,
      functionDeclaration: `function (...xs) { globalThis.${SLOT} = xs; }`,
      arguments: pieces.map((p) => (p?.objectId ? { objectId: p.objectId } : { value: p ? primitive(p) : undefined })),
      objectGroup,
      silent: true,
    });
    const [target, thisArg, args] = (globalThis as Record<string, unknown>)[SLOT] as [unknown, unknown, unknown[] | undefined];
    return { target, thisArg, args: args ? [...args] : [] };
  } finally {
    delete (globalThis as Record<string, unknown>)[SLOT];
    post("Runtime.releaseObjectGroup", { objectGroup });
  }
}

/** Only the location of `fn` (two inspector calls). */
export function locationOf(fn: (...args: never[]) => unknown): FunctionLocation | undefined {
  return scopesOf(fn, []).location;
}

/**
 * The URLs of the scripts V8 has parsed, and one script's source: the
 * Debugger domain is enabled just for this call (it replays every script
 * parsed so far) and disabled before any user code runs again, so a
 * `debugger` statement never pauses a thread.
 */
export function scriptSource(scriptId: string): { url: string; source: string } | undefined {
  if (!session) post("Runtime.evaluate", { expression: "0" });
  const urls = new Map<string, string>();
  const onParsed = (m: { params: { scriptId: string; url: string } }) => urls.set(m.params.scriptId, m.params.url);
  session!.on("Debugger.scriptParsed", onParsed);
  try {
    post("Debugger.enable", {});
    try {
      const { scriptSource: source } = post<{ scriptSource: string }>("Debugger.getScriptSource", { scriptId });
      return { url: urls.get(scriptId) ?? "", source };
    } catch {
      return undefined;
    } finally {
      post("Debugger.disable", {});
    }
  } finally {
    session!.off("Debugger.scriptParsed", onParsed);
  }
}
