/**
 * Rebuilds a program (a function sent as source) in this thread,
 * synchronously: for functions that travel inside threadlab objects, such as
 * a Barrier's action, which must run in whichever thread arrives last.
 */
import { createRequire } from "module";
import * as vm from "vm";
import { apiObject, apiValue } from "./api";
import { decode, frozenView } from "./copy";
import type { Binding, Program } from "./resolve";

/** The function body that defines every binding and returns the entry. */
export function programCode(program: Program): string {
  const lines = ['"use strict";'];
  program.bindings.forEach((b, n) => {
    if (b.kind === "source") lines.push(`const ${b.name} = ${b.expr};`);
    else if (b.kind === "namespace") {
      const members = b.members.map(([prop, internal]) => `${JSON.stringify(prop)}: ${internal}`).join(", ");
      lines.push(`const ${b.name} = __frozen({ ${members} }, ${JSON.stringify(b.name)});`);
    } else lines.push(`const ${b.name} = __values[${n}];`);
  });
  lines.push(`return ${program.entry};`);
  return lines.join("\n");
}

const factories = new Map<string, (values: unknown[], frozen: unknown) => unknown>();

/** Compiles (once per code) and runs the factory of `code` with `values`. */
export function runFactory(code: string, values: unknown[]): unknown {
  let factory = factories.get(code);
  if (!factory) {
    if (factories.size > 200) factories.clear();
    factory = vm.compileFunction(code, ["__values", "__frozen"], { filename: "<thread>" }) as (
      v: unknown[],
      f: unknown,
    ) => unknown;
    factories.set(code, factory);
  }
  return factory(values, frozenView);
}

let tsRegistered = false;
/** Lets this thread load TypeScript modules, with the ts-node the importing project has. */
function registerTypeScript(request: string): void {
  if (tsRegistered) return;
  try {
    const tsNode = createRequire(request)("ts-node") as { register(o: object): void };
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
  if (/\.[cm]?tsx?$/.test(b.request)) registerTypeScript(b.request);
  return createRequire(__filename)(b.request);
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
      return createRequire(b.from);
    default:
      return undefined; // source and namespace bindings are written into the code itself
  }
}

export function rebuildSync(program: Program): unknown {
  return runFactory(programCode(program), program.bindings.map(bindingValue));
}
