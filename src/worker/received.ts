/**
 * Rebuilding a thread's program in its worker, and the names it received:
 * a thread that starts a thread passes on the bindings it got itself, so
 * the inner thread sees what the outer one saw.
 */
import { pathToFileURL } from "url";
import { bindingValue, moduleValue, programCode, requireModule, runFactory } from "../transport/rebuild";
import { addResolver, type Binding, type Program, type Resolved } from "../transport/resolve";

let received = new Map<string, { binding: Binding; value?: unknown }>();

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

/**
 * Evaluates a program to its function (or class). With `remember`, its
 * bindings become the names this thread passes on to the threads it starts.
 */
export async function instantiate(program: Program, remember: boolean): Promise<unknown> {
  const values: unknown[] = [];
  for (const b of program.bindings) values.push(await valueOf(b));
  if (remember) {
    received = new Map();
    program.bindings.forEach((b, n) => received.set(b.name, { binding: b, value: values[n] }));
  }
  return runFactory(programCode(program), values);
}

/** Forgets the names of the thread that ended. */
export function forgetReceived(): void {
  received = new Map();
}

function asResolved(hit: { binding: Binding; value?: unknown }): Resolved {
  if (hit.binding.kind === "data" || hit.binding.kind === "handle") return { value: hit.value };
  if (hit.binding.kind === "namespace") {
    const ns = hit.binding.name;
    return { members: (prop) => (received.has(`${ns}$${prop}`) ? asResolved(received.get(`${ns}$${prop}`)!) : undefined) };
  }
  return { binding: hit.binding };
}

/** Lets the threads this thread starts see the names it received. */
export function passOnReceivedNames(): void {
  addResolver((name) => (received.has(name) ? asResolved(received.get(name)!) : undefined));
}
