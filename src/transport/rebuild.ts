/**
 * Rebuilds a program (a function sent as source) in this thread,
 * synchronously: for functions that travel inside threadlab objects, such as
 * a Barrier's action, which must run in whichever thread arrives last.
 */
import * as vm from "vm";
import { apiObject, apiValue } from "./api";
import { decode, frozenView } from "./copy";
import { markNamespace } from "./namespaces";
import { loadSideModule } from "./side-modules";
import { nodeModule } from "../state/builtins";
import type { Binding, Program } from "./resolve";
import type { KnownScript, Origin } from "./scripts";
import { installStackMapping, registerProgram, type Segment } from "./stacks";

/** A program's code and where each of its functions' texts is in it. */
export interface Layout {
  code: string;
  segments: Segment[];
  /** For each namespace the program defines, how each member was bound (so a thread can pass it on alike). */
  namespaces: Array<Record<string, Binding>>;
}

/** Where a function's own text starts inside its expression (`(text)` or `({text})["key"]`). */
const textOffset = (expr: string) => (expr.startsWith("({") ? 2 : 1);

/**
 * The function body that defines every binding and returns the entry. Each
 * function's expression starts a line of its own, so that its text keeps its
 * columns (after its first line's) and a traceback can be mapped back.
 */
export function programCode(program: Program): Layout {
  const lines = ['"use strict";'];
  const segments: Segment[] = [];
  const namespaces: Layout["namespaces"] = [];
  const byName = new Map(program.bindings.map((b) => [b.name, b]));
  const place = (head: string, expr: string, tail: string, origin: Origin | undefined, aliases?: Array<[string, string]>) => {
    const scope = aliases?.length ? `(() => { const ${aliases.map(([l, b]) => `${l} = ${b}`).join(", ")}; return (` : "(";
    lines.push(`${head}${scope}`);
    if (origin) segments.push({ line: lines.length, column: textOffset(expr), lines: expr.split("\n").length, origin });
    lines.push(...`${expr}${aliases?.length ? "); })()" : ")"}${tail}`.split("\n"));
  };
  program.bindings.forEach((b, n) => {
    if (b.kind === "source") place(`const ${b.name} = `, b.expr, ";", b.origin, b.aliases);
    else if (b.kind === "namespace") {
      const members = b.members.map(([prop, internal]) => `${JSON.stringify(prop)}: ${internal}`).join(", ");
      namespaces.push(Object.fromEntries(b.members.map(([prop, internal]) => [prop, byName.get(internal)!])));
      lines.push(`const ${b.name} = __namespace({ ${members} }, ${JSON.stringify(b.name)}, ${namespaces.length - 1});`);
    } else lines.push(`const ${b.name} = __values[${n}];`);
  });
  place("return ", program.entry, ";", program.origin, program.aliases);
  return { code: lines.join("\n"), segments, namespaces };
}

type Factory = (
  values: unknown[],
  namespace: (members: Record<string, unknown>, name: string, index: number) => unknown,
) => unknown;
const factories = new Map<string, Factory>();
let programs = 0;
// A function a thread defines and hands to another thread is found in the program that made it.
const compiled: KnownScript[] = [];
/** The programs this thread compiled, as scripts (scripts.ts asks, when it is loaded). */
export const compiledScripts = (): Iterable<KnownScript> => compiled;

/**
 * A thread's view of a namespace: a frozen object of the members used, each as the thread sees
 * data (a copy comes as a read-only view), and known as a namespace (with its members' bindings)
 * if the thread passes it on. A plain frozen object, not a proxy: a loop of 1000 starts of a cell's
 * function that reads `exports.numLock` took 25 us a thread more with a proxy per start.
 */
function namespaceView(layout: Layout): (raw: Record<string, unknown>, name: string, index: number) => unknown {
  return (raw, name, index) => {
    const view: Record<string, unknown> = {};
    for (const key in raw) view[key] = frozenView(raw[key], name, `${name}.${key}`);
    markNamespace(view, raw, layout.namespaces[index]);
    return Object.freeze(view);
  };
}

const layouts = new Map<string, Layout>();

/** The code of `program`: made once for a program kept by its target in the starter (it has a key). */
export function layoutOf(program: Program): Layout {
  if (program.key === undefined) return programCode(program);
  let layout = layouts.get(program.key);
  if (!layout) {
    if (layouts.size > 200) layouts.clear();
    layout = programCode(program);
    layouts.set(program.key, layout);
  }
  return layout;
}

/** Compiles (once per code) and runs the factory of `layout` with `values`. */
export function runFactory(layout: Layout, values: unknown[]): unknown {
  let factory = factories.get(layout.code);
  if (!factory) {
    if (factories.size > 200) factories.clear();
    const filename = `<thread ${++programs}>`;
    factory = vm.compileFunction(layout.code, ["__values", "__namespace"], { filename }) as Factory;
    registerProgram(filename, layout.segments);
    if (compiled.length >= 200) compiled.shift();
    compiled.push({ code: layout.code, file: filename });
    factories.set(layout.code, factory);
  }
  return factory(values, namespaceView(layout));
}

let tsRegistered = false;
/** Lets this thread load TypeScript modules, with the ts-node the importing project has. */
function registerTypeScript(request: string): void {
  if (tsRegistered) return;
  try {
    const tsNode = nodeModule().createRequire(request)("ts-node") as { register(o: object): void };
    tsNode.register({ transpileOnly: true });
    tsRegistered = true;
  } catch (err) {
    throw new Error(
      `a thread imports the TypeScript module ${request}, which needs ts-node to load: ` +
        `install it in your project (npm install --save-dev ts-node). (${(err as Error).message})`,
    );
  }
}

/** `require`s a module binding's module (registering ts-node first for a .ts file). */
export function requireModule(b: Extract<Binding, { kind: "module" }>): unknown {
  // One of a notebook's own .ts files, compiled by the kernel (side-modules.ts).
  const side = loadSideModule(b.request);
  if (side) return side.exports;
  if (/\.[cm]?tsx?$/.test(b.request)) registerTypeScript(b.request);
  return nodeModule().createRequire(__filename)(b.request);
}

/** What a module binding names in a loaded module: with tsc's interop, and the property it imports. */
export function moduleValue(mod: unknown, b: Extract<Binding, { kind: "module" }>): unknown {
  if (b.interop === "default") mod = tslib().__importDefault(mod);
  else if (b.interop === "star") mod = tslib().__importStar(mod);
  return b.prop ? (mod as Record<string, unknown>)[b.prop] : mod;
}

// Loaded on first use, then kept: this runs on every thread start.
let tslibModule: Record<string, (m: unknown) => unknown> | undefined;
const tslib = () => (tslibModule ??= require("tslib") as Record<string, (m: unknown) => unknown>);

/** The value of a binding in this thread (a module binding by `require`). */
export function bindingValue(b: Binding): unknown {
  switch (b.kind) {
    case "api":
      return b.prop ? apiValue(b.prop, b.internal) : apiObject();
    case "data":
      return decode(b.value, true, b.name);
    case "handle":
      return decode(b.value, false, b.name);
    case "module":
      return moduleValue(requireModule(b), b);
    case "helper":
      return tslib()[b.name];
    case "require":
      return nodeModule().createRequire(b.from);
    default:
      return undefined; // source and namespace bindings are written into the code itself
  }
}

/** Rebuilds `program` here and now (its modules must load with `require`). */
export function rebuildSync(program: Program): unknown {
  installStackMapping();
  return runFactory(layoutOf(program), program.bindings.map(bindingValue));
}
