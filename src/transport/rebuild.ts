/**
 * Rebuilds a program (a function sent as source) in this thread,
 * synchronously: for functions that travel inside threadlab objects, such as
 * a Barrier's action, which must run in whichever thread arrives last.
 */
import { createRequire } from "module";
import * as vm from "vm";
import { decode, frozenView } from "./handles";
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
    factory = vm.compileFunction(code, ["__values", "__frozen"], { filename: "<thread>" }) as (v: unknown[], f: unknown) => unknown;
    factories.set(code, factory);
  }
  return factory(values, frozenView);
}

function valueSync(b: Binding): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tslib = require("tslib") as Record<string, (m: unknown) => unknown>;
  switch (b.kind) {
    case "api":
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return b.prop ? (require("../index") as Record<string, unknown>)[b.prop] : require("../index");
    case "data":
      return decode(b.value, true, b.name);
    case "handle":
      return decode(b.value, false, b.name);
    case "module": {
      let mod = createRequire(__filename)(b.request) as unknown;
      if (b.interop === "default") mod = tslib.__importDefault(mod);
      else if (b.interop === "star") mod = tslib.__importStar(mod);
      return b.prop ? (mod as Record<string, unknown>)[b.prop] : mod;
    }
    case "helper":
      return tslib[b.name];
    case "require":
      return createRequire(b.from);
    default:
      return undefined;
  }
}

export function rebuildSync(program: Program): unknown {
  return runFactory(programCode(program), program.bindings.map(valueSync));
}
