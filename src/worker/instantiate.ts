/**
 * Rebuilding a thread's program in its worker. Unlike `rebuildSync`, a
 * module that only `import()` can load (ES-only) is awaited here; a program
 * without one is rebuilt at once, without a turn of the microtask queue.
 */
import { bindingValue, layoutOf, moduleValue, requireModule, runFactory } from "../transport/rebuild";
import { url } from "../state/builtins";
import type { Binding, Program } from "../transport/resolve";

/** A binding's value, or the promise of an ES-only module's (which only `import()` loads). */
function valueOf(b: Binding): { value: unknown } | { later: Promise<unknown> } {
  if (b.kind !== "module") return { value: bindingValue(b) };
  let mod: unknown;
  try {
    mod = requireModule(b);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_REQUIRE_ESM") throw err;
    const request = /^[./]/.test(b.request) ? url().pathToFileURL(b.request).href : b.request;
    return { later: import(request).then((m: unknown) => moduleValue(m, b)) };
  }
  return { value: moduleValue(mod, b) };
}

/**
 * Evaluates a program to its function (or class): at once, or as a promise when one of its
 * modules must be imported (a program's value is a function or a class, never a promise).
 */
export function instantiate(program: Program): unknown {
  const values: unknown[] = [];
  for (let i = 0; i < program.bindings.length; i++) {
    const v = valueOf(program.bindings[i]);
    if ("later" in v) return instantiateLater(program, values, i, v.later);
    values.push(v.value);
  }
  return runFactory(layoutOf(program), values);
}

/** The rest of `instantiate` from binding `i` on, whose module is being imported: each binding in turn, as before. */
async function instantiateLater(program: Program, values: unknown[], i: number, first: Promise<unknown>): Promise<unknown> {
  values.push(await first);
  for (let k = i + 1; k < program.bindings.length; k++) {
    const v = valueOf(program.bindings[k]);
    values.push("later" in v ? await v.later : v.value);
  }
  return runFactory(layoutOf(program), values);
}
