/**
 * Name resolution: turns a function into a `Program` a worker can rebuild —
 * its source plus a binding for every free name it uses. The rule is
 * Python's: a thread sees what its function sees. Each free name of each
 * function that travels resolves, in this order, to:
 *
 * 1. the binding the function itself sees now: its block, closure and module
 *    scopes (lexical.ts, through the V8 inspector);
 * 2. what a registered resolver knows (`share({...})`, the kernel's notebook names);
 * 3. threadlab's own API (every worker has it);
 * 4. a JavaScript or Node global (every worker has its own);
 * 5. TypeScript's emit helpers (`__awaiter`...), from tslib;
 * 6. the imports of the function's file, or of the file that started the thread.
 *
 * A value becomes: threadlab's own function or object → itself in the worker;
 * a function or class → its source, resolved the same way; a module → a fresh
 * import; a threadlab object → a handle to the same object; plain data → a
 * frozen copy. A name no scope holds is a NameError at `start()`; so is an
 * assignment to an outer variable, which a thread's copy could never carry back.
 */
import { threadId } from "worker_threads";
import { DataCloneError, NameError } from "../errors";
import { BINDING_NAME, isShareable } from "../state/handle";
import { apiModuleFile, apiNameOf, apiObject, isApiName, isInternalName } from "./api";
import { encode } from "./copy";
import { boundParts, isBound } from "./inspector";
import { importsOf, type ImportedName } from "./imports";
export { callerLookup } from "./imports";
import { lexicalOf, needsScopes, originOfText, type Lexical } from "./lexical";
import { isGlobal, isHelper, isPackageRequest, moduleRequestOf, packageExportOf, requireFrom } from "./names";
import { namespaceMembers } from "./namespaces";
import type { Origin } from "./scripts";
import { analyze, analyzeExpression, type FreeName } from "./source";

export type Binding =
  | { kind: "api"; name: string; prop?: string; internal?: boolean }
  | { kind: "source"; name: string; expr: string; origin?: Origin; aliases?: Array<[local: string, binding: string]> }
  | { kind: "data"; name: string; value: unknown }
  | { kind: "handle"; name: string; value: unknown }
  | { kind: "module"; name: string; request: string; prop?: string; interop?: "default" | "star" }
  | { kind: "helper"; name: string }
  | { kind: "require"; name: string; from: string }
  | { kind: "namespace"; name: string; members: Array<[prop: string, binding: string]> };

export interface Program {
  /** Expression for the target itself. */
  entry: string;
  /** Where the entry's text is in the user's source, for tracebacks. */
  origin?: Origin;
  /** Names the entry's text uses that are bound under another name in the program. */
  aliases?: Array<[local: string, binding: string]>;
  /** Bindings in dependency order: what a binding uses comes before it. */
  bindings: Binding[];
  label: string;
  /** A program kept for its target (see `programs`): the same key, the same code, so a worker builds its code once. */
  key?: string;
}

/**
 * What a resolver knows of a name: its value, a ready binding, or (for an
 * object the code reads members of, as notebook cells read `exports.helper`)
 * how to resolve each member used.
 */
export type Resolved = { value: unknown } | { binding: Binding } | { members: (prop: string) => Resolved | undefined };
export type Resolver = (name: string) => Resolved | undefined;
/** Says how a value found in a scope crosses, where the generic rules would not do (the notebook's `exports`). */
export type ValueResolver = (value: unknown) => Resolved | undefined;

const resolvers: Resolver[] = [];
/** Whether `value` is an object whose members travel one by one (the notebook's names; see valueResolvers). */
const isNamespace = (value: unknown): boolean =>
  valueResolvers.some((r) => {
    const hit = r(value);
    return hit !== undefined && "members" in hit;
  });
const valueResolvers: ValueResolver[] = [
  (value) => {
    const ns = namespaceMembers(value);
    if (!ns) return undefined;
    return {
      members: (prop) => {
        if (!(prop in ns.raw)) return undefined;
        const b = ns.bindings[prop];
        // Values the thread holds travel as values again; imports, API names and helpers as the same kind of binding.
        return b && (b.kind === "module" || b.kind === "api" || b.kind === "helper" || b.kind === "require")
          ? { binding: b }
          : { value: ns.raw[prop] };
      },
    };
  },
];

/**
 * Programs made again without resolving anything, by target: a program whose every name resolved to
 * something that can never change — a `const` the function's scopes hold, an import, threadlab's API,
 * a global, a threadlab object (a handle to the same object) or a function whose own names did so —
 * is the same at the next start() of the same function. (A loop that starts 1000 threads of one
 * function resolved it 1000 times: 20-30 us of each cold start in main, and the resolver's code kept
 * hot for V8 to optimize while the threads ran.) Not kept: a program with data (copied afresh at each
 * start, as it may have changed), one a registered resolver had a hand in, one that needed the file
 * that started the thread, or a bound function's. A program that read members of a namespace (the
 * notebook's names: `exports.numLock`) is kept with a guard per member, and made again once a member
 * is no longer the same (a later cell defined the name anew). Any change to what resolvers know
 * (share(), a resolver added or removed) forgets them all.
 */
let programs = new WeakMap<object, { program: Program; guards: Array<() => boolean> }>();
let programKeys = 0;
const forgetPrograms = () => void (programs = new WeakMap());

/** Adds to a list of resolvers; what resolvers know changes, so the programs made are forgotten. */
function adder<T>(list: T[]) {
  return (item: T): (() => void) => {
    list.push(item);
    forgetPrograms();
    return () => {
      const i = list.indexOf(item);
      if (i >= 0) list.splice(i, 1);
      forgetPrograms();
    };
  };
}

/** Adds a step that resolves free names no scope holds (first added, first asked). Returns its remover. */
export const addResolver = adder(resolvers);
/** Adds a rule for values found in scopes. Returns its remover. */
export const addValueResolver = adder(valueResolvers);

const shared = new Map<string, unknown>();
addResolver((name) => (shared.has(name) ? { value: shared.get(name) } : undefined));

/**
 * Makes values visible by name to the threads started after this call, for
 * names no scope of the thread's function holds (a thread sees what its
 * function sees without this). Functions and classes travel as source,
 * threadlab objects as handles to the same object, modules as a fresh
 * import, and plain data as a frozen copy taken at `start()`.
 *
 * @example share({ helper, config, counter });
 */
export function share(names: Record<string, unknown>): void {
  if (typeof names !== "object" || names === null || Array.isArray(names)) {
    throw new TypeError(`share() expected an object of names, like share({ helper, lock }), got ${String(names)}`);
  }
  for (const [k, v] of Object.entries(names)) shared.set(k, v);
  forgetPrograms();
}

/** How to fix an unknown name: args exist only for a thread's target; share() works for everything. */
const howToPass = (name: string, user: string) =>
  user.startsWith("the target of thread")
    ? `Define it, pass it in args (new Thread({ target, args: [${name}] })), or make it visible to threads with share({ ${name} })`
    : `Define it, or make it visible to threads with share({ ${name} })`;

function writeError(name: string, user: string): TypeError {
  return new TypeError(
    `cannot assign to '${name}' in a thread: ${user} assigns to '${name}', a variable outside it, but the thread ` +
      `gets its own copy, so the change would be lost. Keep the data in a Value (counter.value += 1), SharedArray, ` +
      `SharedList or SharedDict, or return it through a queue`,
  );
}

/**
 * Refuses a method given without its object (`submit(db.update)`): JavaScript's
 * `db.update` does not carry `db` along, as a Python bound method does, so the
 * method would run with no `this`. Says how to keep the object.
 */
export function refuseDetachedMethod(fn: unknown, where: string): void {
  if (typeof fn !== "function" || isBound(fn as never)) return;
  let analysis;
  try {
    analysis = analyze(fn as never, where);
  } catch {
    return; // not sendable at all: start() says why
  }
  if (!analysis.isMethod || !analysis.usesThis) return;
  const m = fn.name || "method";
  throw new TypeError(
    `${where} got the method '${m}' without its object: in JavaScript \`obj.${m}\` does not carry \`obj\` along ` +
      `(a Python bound method does), so '${m}' would run with no \`this\`. Pass obj.${m}.bind(obj), or () => obj.${m}(...)`,
  );
}

/** What a bound function becomes in a thread: a function that calls the target on the bound object. */
const BOUND_CALL = "(function (...__call_args) { return __bound_target.apply(__bound_this, __bound_args.concat(__call_args)); })";

/** Where a function's names come from: what its scopes hold, and the file whose imports it may use. */
interface Context {
  lexical: Lexical | undefined;
  file: string | undefined;
}

/** Builds the program for `target`. `callerOf` finds the file that starts the thread, if it is a file. */
export function buildProgram(
  target: (...args: never[]) => unknown,
  label: string,
  callerOf: () => string | undefined = () => undefined,
): Program {
  // One of threadlab's own functions or classes (an executor thread, a Timer): the worker has it already.
  const own = isBound(target) ? undefined : apiNameOf(target);
  if (own) return { entry: "__own", bindings: [{ kind: "api", name: "__own", prop: own.name, internal: own.internal }], label };
  const kept = programs.get(target);
  if (kept && kept.guards.every((same) => same())) {
    const made = kept.program;
    return made.label === label ? made : { ...made, label };
  }

  /** Set when something the program holds could be different at the next start (see `programs`). */
  let volatile = false;
  /** What must be as it is now for the program to be the same at the next start: namespace members read. */
  const guards: Array<() => boolean> = [];

  const bindings: Binding[] = [];
  /** Binding names by the value they hold, per name as the code wrote it (one value, one binding). */
  const byName = new Map<string, Array<{ value: unknown; binding: string | null }>>();
  const taken = new Set<string>();
  const sources: string[] = [];
  let caller: string | undefined | null = null;
  const callerFile = () => {
    volatile = true;
    return caller === null ? (caller = callerOf()) : caller;
  };

  /** An import of the function's own file (when it is known), else of the file that started the thread. */
  const importOf = (name: string, ctx: Context): ImportedName | undefined => {
    const file = ctx.file ?? callerFile();
    return file ? importsOf(file).get(name) : undefined;
  };

  const moduleBinding = (name: string, request: string, imported?: ImportedName): Binding => {
    if (request === apiModuleFile()) {
      if (!imported?.prop || imported.prop === "default") return { kind: "api", name };
      return { kind: "api", name, prop: imported.prop };
    }
    return { kind: "module", name, request, prop: imported?.prop, interop: imported?.interop };
  };

  /** The text of a function and the bindings of its free names; returns its expression, origin and aliases. */
  const functionSource = (
    fn: (...args: never[]) => unknown,
    user: string,
  ): { expr: string; origin: Origin | undefined; aliases: Array<[string, string]> } => {
    if (isBound(fn)) {
      volatile = true;
      // `obj.method.bind(obj)`: the method travels as source, `this` and the bound arguments as values do.
      const { target, thisArg, args } = boundParts(fn);
      if (
        typeof target === "function" &&
        !isBound(target as never) &&
        /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(target))
      ) {
        const name = (target as { name?: string }).name || "a native function";
        throw new TypeError(
          `cannot send ${user} to a thread: it binds ${name}, a native function whose source is not available. ` +
            `Call it from a function of your own: () => ${name}(...)`,
        );
      }
      const expr = BOUND_CALL;
      sources.push(expr);
      const values = new Map<string, unknown>([
        ["__bound_target", target],
        ["__bound_this", thisArg],
        ["__bound_args", args],
      ]);
      const free = [...values.keys()].map((name) => ({ name, written: false }));
      const aliases = visitAll(free, user, {
        lexical: { values, origin: undefined, file: undefined, stable: false },
        file: undefined,
      });
      return { expr, origin: undefined, aliases };
    }
    const analysis = analyze(fn, user);
    sources.push(analysis.expr);
    const names = analysis.free.map((f) => f.name);
    const lexical = needsScopes(names) ? lexicalOf(fn, names, callerFile) : undefined;
    if (lexical && !lexical.stable) volatile = true;
    const ctx: Context = { lexical, file: lexical?.file };
    const aliases = visitAll(analysis.free, user, ctx);
    return { expr: analysis.expr, origin: lexical ? lexical.origin : originOfText(fn, callerFile), aliases };
  };

  /** What a value becomes in the thread. */
  const fromValue = (name: string, value: unknown, where: string, ctx: Context): Binding | null => {
    for (const vr of valueResolvers) {
      const hit = vr(value);
      if (hit) {
        // A namespace's members are guarded one by one (see finishNamespaces); anything else a rule says may change.
        if (!("members" in hit)) volatile = true;
        return fromResolved(name, hit, false, where, ctx);
      }
    }
    if (typeof value === "function") {
      const ownName = apiNameOf(value);
      if (ownName) return { kind: "api", name, prop: ownName.name, internal: ownName.internal };
      const request = moduleRequestOf(value);
      if (request) return moduleBinding(name, request);
      const from = requireFrom(value);
      if (from) return { kind: "require", name, from };
      // A package's function imported by name: the thread imports it afresh, as its own code would.
      const imported = importOf(name, ctx);
      if (imported && isPackageRequest(imported.request)) return moduleBinding(name, imported.request, imported);
      const exported = packageExportOf(value);
      if (exported) return { kind: "module", name, request: exported.request, prop: exported.prop };
      const { expr, origin, aliases } = functionSource(value as (...args: never[]) => unknown, `'${name}'`);
      return { kind: "source", name, expr, origin, aliases: aliases.length ? aliases : undefined };
    }
    if (value === apiObject()) return { kind: "api", name };
    if (isShareable(value)) {
      // A Lock without a name of its own is called by its variable's in reports from now on.
      (value as { [BINDING_NAME]?: (n: string) => void })[BINDING_NAME]?.(name);
      return { kind: "handle", name, value: encode(value, name) };
    }
    const request = moduleRequestOf(value);
    if (request) return moduleBinding(name, request);
    // An import the compiler wrapped (`__importStar(require("path"))`), or an ES module namespace.
    const imported = importOf(name, ctx);
    if (imported) return moduleBinding(name, imported.request, imported);
    if (typeof value === "object" && value !== null && Object.prototype.toString.call(value) === "[object Module]") {
      throw new DataCloneError(
        `cannot send '${name}' to a thread: it is an ES module namespace. Import the module inside the target instead`,
      );
    }
    volatile = true;
    return { kind: "data", name, value: encode(value, `${name}${where}`) };
  };

  const fromResolved = (name: string, hit: Resolved, written: boolean, where: string, ctx: Context): Binding | null => {
    if ("members" in hit) return namespace(name, hit.members, ctx);
    if ("binding" in hit) {
      const b = hit.binding;
      if (b.kind === "source")
        visitAll(analyzeExpression(b.expr, `'${name}'`).free, `'${name}'`, { lexical: undefined, file: undefined });
      return b;
    }
    return fromValue(name, hit.value, where, ctx);
  };

  /** The binding of one free name `name` of a function (with `ctx`), or null for a global. */
  const resolveOne = (
    name: string,
    written: boolean,
    user: string,
    ctx: Context,
    memberWrites: string[] | undefined,
  ): { value: unknown; make: () => Binding | null } => {
    const lexical = ctx.lexical?.values;
    if (lexical?.has(name)) {
      if (written) throw writeError(name, user);
      const value = lexical.get(name);
      // `exports.counter += 1` is how a cell's function assigns to the notebook's `counter` (its
      // `exports` is the notebook's names, or in a thread a frozen view of them): refused, naming `counter`.
      if (memberWrites && isNamespace(value)) throw writeError(memberWrites[0], user);
      return { value, make: () => fromValue(name, value, "", ctx) };
    }
    for (const r of resolvers) {
      const hit = r(name);
      if (!hit) continue;
      volatile = true;
      if (written) throw writeError(name, user);
      if (memberWrites && "members" in hit) throw writeError(memberWrites[0], user); // as above
      return { value: "value" in hit ? hit.value : hit, make: () => fromResolved(name, hit, written, "", ctx) };
    }
    if (isApiName(name) || isInternalName(name)) {
      if (written) throw writeError(name, user);
      return { value: `api:${name}`, make: () => ({ kind: "api", name, prop: name, internal: isInternalName(name) }) };
    }
    if (isGlobal(name)) return { value: `global:${name}`, make: () => null };
    if (isHelper(name)) return { value: `helper:${name}`, make: () => ({ kind: "helper", name }) };
    const imported = importOf(name, ctx);
    if (imported) {
      if (written) throw writeError(name, user);
      return {
        value: `import:${imported.request}:${imported.prop}`,
        make: () => moduleBinding(name, imported.request, imported),
      };
    }
    const file = ctx.file ?? callerFile();
    if (name === "require" && file) return { value: `require:${file}`, make: () => ({ kind: "require", name, from: file }) };
    throw new NameError(
      `name '${name}' is not defined: ${user} uses '${name}', but no scope of the function holds it ` +
        `(not a local, an outer variable, a module name or a global). ${howToPass(name, user)}`,
    );
  };

  /**
   * An object whose members the code reads (`exports.helper`): each member used travels by itself.
   * Its members are found once every source of the program is known (see `finishNamespaces`).
   */
  const namespaces: Array<{
    local: string;
    binding: Extract<Binding, { kind: "namespace" }>;
    member: (prop: string) => Resolved | undefined;
    ctx: Context;
    seen: Set<string>;
  }> = [];
  const namespace = (name: string, member: (prop: string) => Resolved | undefined, ctx: Context): null => {
    namespaces.push({ local: name, binding: { kind: "namespace", name, members: [] }, member, ctx, seen: new Set() });
    return null; // placed by finishNamespaces, after the members it holds
  };

  /** Scans every source for `name.prop` uses, resolving each member once; members can bring new sources. */
  const finishNamespaces = () => {
    for (let changed = true; changed;) {
      changed = false;
      for (const ns of namespaces) {
        const name = ns.local;
        const pattern = new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}\\.([A-Za-z_$][\\w$]*)`, "g");
        for (let scanned = 0; scanned < sources.length; scanned++) {
          for (const m of sources[scanned].matchAll(pattern)) {
            const prop = m[1];
            if (ns.seen.has(prop)) continue;
            ns.seen.add(prop);
            changed = true;
            const hit = ns.member(prop);
            guards.push(sameMember(ns.member, prop, hit));
            if (hit && "members" in hit) volatile = true;
            if (!hit || "members" in hit) continue; // not (yet) defined: reading it in the thread gives undefined, as in the cell
            const internal = `${ns.binding.name}$${prop}`;
            const b =
              "binding" in hit
                ? { ...hit.binding, name: internal }
                : fromValue(internal, hit.value, ` (${name}.${prop})`, ns.ctx);
            if (b) bindings.push(b);
            ns.binding.members.push([prop, internal]);
          }
        }
      }
    }
    for (const ns of namespaces) bindings.push(ns.binding);
  };

  /**
   * Resolves the free names of one function; returns the aliases its text needs
   * (a name bound to another value elsewhere in the program gets a binding of its own).
   */
  const visitAll = (free: FreeName[], user: string, ctx: Context): Array<[string, string]> => {
    const aliases: Array<[string, string]> = [];
    for (const { name, written, memberWrites } of free) {
      const { value, make } = resolveOne(name, written, user, ctx, memberWrites);
      const same = byName.get(name) ?? [];
      const hit = same.find((s) => s.value === value);
      if (hit) {
        if (hit.binding && hit.binding !== name) aliases.push([name, hit.binding]);
        continue;
      }
      let bindingName = name;
      for (let n = 2; taken.has(bindingName); n++) bindingName = `${name}$${n}`;
      // Mark it before making it, so that a function that uses itself (recursion) finds it.
      const entry: { value: unknown; binding: string | null } = { value, binding: bindingName };
      same.push(entry);
      byName.set(name, same);
      taken.add(bindingName);
      const before = namespaces.length;
      const b = make();
      if (!b) {
        // A namespace, placed at the end under this binding name; or a global, which needs no binding.
        if (namespaces.length > before) {
          namespaces[namespaces.length - 1].binding.name = bindingName;
          if (bindingName !== name) aliases.push([name, bindingName]);
        } else entry.binding = null;
        continue;
      }
      b.name = bindingName;
      bindings.push(b);
      if (bindingName !== name) aliases.push([name, bindingName]);
    }
    return aliases;
  };

  const entry = functionSource(target, label);
  finishNamespaces();
  const program = {
    entry: entry.expr,
    origin: entry.origin,
    aliases: entry.aliases.length ? entry.aliases : undefined,
    bindings,
    label,
  };
  if (!volatile) programs.set(target, { program: { ...program, key: `${threadId}.${++programKeys}` }, guards });
  return program;
}

/** A guard: whether namespace member `prop` resolves as it did (`hit`): the same value, or the same binding. */
function sameMember(member: (prop: string) => Resolved | undefined, prop: string, hit: Resolved | undefined): () => boolean {
  if (!hit) return () => member(prop) === undefined;
  if ("value" in hit) {
    const value = hit.value;
    return () => {
      const now = member(prop);
      return now !== undefined && "value" in now && now.value === value;
    };
  }
  if ("binding" in hit) {
    const text = JSON.stringify(hit.binding);
    return () => {
      const now = member(prop);
      return now !== undefined && "binding" in now && JSON.stringify(now.binding) === text;
    };
  }
  return () => false;
}
