/**
 * What a function sees: for each free name of a function, the value of the
 * binding the function itself would use if it ran here and now — its block
 * and closure scopes, its module's scope, the script scope — read through
 * the V8 inspector (inspector.ts).
 *
 * Reading costs a few hundred microseconds, so it is skipped for functions
 * whose free names are all ECMAScript globals, and kept per function object:
 * when every binding found is one that can never change (scripts.ts tells),
 * the next `start()` of the same function reuses the values it read (the
 * 1000 starts of one function in a loop read once). Values are references:
 * plain data is still copied afresh at each start.
 */
import { runInNewContext } from "vm";
import { locationOf, scopesOf } from "./inspector";
import { fileOf, locate, originOf, stableNames, type Origin } from "./scripts";

export interface Lexical {
  /** The free names some scope of the function holds, with their values now. */
  values: Map<string, unknown>;
  /** Where the function is in the user's source, for tracebacks. */
  origin: Origin | undefined;
  /** The file the function comes from (whose imports its names may be), if it is a file. */
  file: string | undefined;
  /** Every value is of a binding that can never change: the next read gives the same (see below). */
  stable: boolean;
}

interface Known {
  origin: Origin | undefined;
  file: string | undefined;
  /** The outer variables the function uses that can never change. */
  stable: Set<string>;
  /** The values last read, kept when they are all of stable bindings. */
  values?: Map<string, unknown>;
}

const known = new WeakMap<object, Known>();
const byLocation = new Map<string, Known>();

let intrinsics: Set<string> | undefined;
/** ECMAScript's own globals (Math, JSON, Object...): no program shadows them, so they need no reading. */
function isIntrinsic(name: string): boolean {
  intrinsics ??= new Set(
    Object.getOwnPropertyNames(runInNewContext("globalThis") as object).concat(["undefined", "NaN", "Infinity"]),
  );
  return intrinsics.has(name);
}

/** Whether reading `fn`'s scopes can find anything: some free name is not an ECMAScript global. */
export function needsScopes(names: readonly string[]): boolean {
  return names.some((n) => !isIntrinsic(n));
}

/**
 * The lexical bindings of `names` (free names of `fn`) that `fn` sees now.
 * `callerFile` is a hint for where `fn` comes from (the file that started the thread).
 */
export function lexicalOf(
  fn: (...args: never[]) => unknown,
  names: readonly string[],
  callerFile: () => string | undefined,
): Lexical {
  const seen = known.get(fn);
  if (seen?.values) return { values: seen.values, origin: seen.origin, file: seen.file, stable: true };
  const wanted = names.filter((n) => !isIntrinsic(n));
  const { location, scopes } = scopesOf(fn, wanted);
  const values = new Map<string, unknown>();
  for (const scope of scopes) for (const [name, value] of scope.values) if (!values.has(name)) values.set(name, value);
  let entry = seen;
  if (!entry) {
    // Closures made by one piece of code (a lambda in a loop) share where they are and what can change.
    const key = location ? `${location.scriptId}:${location.lineNumber}:${location.columnNumber}` : undefined;
    const same = key ? byLocation.get(key) : undefined;
    if (same) entry = { ...same, values: undefined };
    else {
      const at = locate(location, Function.prototype.toString.call(fn), callerFile());
      entry = { origin: originOf(at), file: fileOf(at), stable: stableNames(at, wanted) };
      if (key) {
        if (byLocation.size > 5000) byLocation.clear();
        byLocation.set(key, entry);
      }
    }
    known.set(fn, entry);
  }
  // Keep the values only if none of them can change; otherwise read again at the next start.
  // (A value still undefined may be a binding not yet initialized: read it again too.)
  const stable = entry.stable;
  if ([...values].every(([n, v]) => stable.has(n) && v !== undefined)) entry.values = values;
  return { values, origin: entry.origin, file: entry.file, stable: entry.values === values };
}

const origins = new Map<string, Origin | undefined>();
const originOfFunction = new WeakMap<object, Origin | undefined>();

/**
 * Where a function with no outer names to read is in the user's source. Kept
 * by its text and file (a loop that makes a new arrow function for each
 * thread asks V8 once), so two identical functions in one file share the
 * first one's position.
 */
export function originOfText(fn: (...args: never[]) => unknown, callerFile: () => string | undefined): Origin | undefined {
  const seen = known.get(fn);
  if (seen) return seen.origin;
  if (originOfFunction.has(fn)) return originOfFunction.get(fn);
  const text = Function.prototype.toString.call(fn);
  const key = `${callerFile() ?? ""}\0${text}`;
  let origin: Origin | undefined;
  if (origins.has(key)) origin = origins.get(key);
  else {
    if (origins.size > 5000) origins.clear();
    origin = originOf(locate(locationOf(fn), text, callerFile()));
    origins.set(key, origin);
  }
  originOfFunction.set(fn, origin);
  return origin;
}
