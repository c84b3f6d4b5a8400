/**
 * Rebuilding a thread's program in its worker. Unlike `rebuildSync`, a
 * module that only `import()` can load (ES-only) is awaited here.
 */
import { pathToFileURL } from "url";
import { bindingValue, moduleValue, programCode, requireModule, runFactory } from "../transport/rebuild";
import type { Binding, Program } from "../transport/resolve";

/** A binding's value; a module that only `import()` can load (ES-only) is awaited here. */
async function valueOf(b: Binding): Promise<unknown> {
  if (b.kind !== "module") return bindingValue(b);
  let mod: unknown;
  try {
    mod = requireModule(b);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_REQUIRE_ESM") throw err;
    mod = await import(/^[./]/.test(b.request) ? pathToFileURL(b.request).href : b.request);
  }
  return moduleValue(mod, b);
}

/** Evaluates a program to its function (or class). */
export async function instantiate(program: Program): Promise<unknown> {
  const values: unknown[] = [];
  for (const b of program.bindings) values.push(await valueOf(b));
  return runFactory(programCode(program), values);
}
