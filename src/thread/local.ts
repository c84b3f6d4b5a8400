/**
 * `local`: Python's `threading.local()`. Each thread sees its own attributes;
 * reading one this thread never set throws `AttributeError`.
 *
 * A `local` is one id shared by every thread; each isolate keeps the values of
 * the thread running in it, and a pool worker wipes them when its thread ends,
 * so nothing reaches the next thread that reuses the worker.
 *
 * A subclass with a constructor (`class MyLocal extends local { constructor(v) { super(); this.v = v; } }`)
 * runs that constructor once in each thread that first touches the object, with the
 * arguments the object was made with, as Python runs `local.__init__` in each thread.
 *
 * The values are kept in a WeakMap keyed by the isolate's own object for that
 * local (its proxy's target), so once the local is garbage collected in an
 * isolate, the values this thread gave it go with it, even values that refer
 * back to the local (a WeakMap entry does not keep its key alive). The map of
 * which object stands for which id (so that a handle arriving in an isolate
 * that already has the local gives that same object) holds weak references,
 * dropped by a FinalizationRegistry; a local enters it only once it is sent
 * to a thread or received from one, because a new WeakRef keeps its target
 * alive until the running job ends — a loop making many locals would
 * otherwise keep them all until it returns.
 */
import { AttributeError } from "../errors";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { nextObjectId } from "../state/ids";
import { decode, encodeArgs } from "../transport/copy";
import { rebuildSync } from "../transport/rebuild";
import { buildProgram, callerLookup } from "../transport/programs";
import type { Program } from "../transport/resolve";

type Attributes = Map<string | symbol, unknown>;

/** The values of every `local` for the thread running in this isolate, by the local's object in this isolate. */
let store = new WeakMap<object, Attributes>();
/** The subclassed locals (by their object here) whose constructor has run for this isolate's thread. */
let initialized = new WeakSet<object>();
/** Whether this isolate's thread has touched a local: most threads never do, and need nothing wiped. */
let touched = false;

/** Forgets every thread-local value of this isolate's thread (a pool worker calls it between threads). */
export function clearThreadLocals(): void {
  if (!touched) return;
  touched = false;
  store = new WeakMap();
  initialized = new WeakSet();
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");
/** This isolate's local object for each id that has crossed between threads, held weakly. */
const proxies = new Map<number, WeakRef<local>>();
const forget = new FinalizationRegistry<{ id: number; ref: WeakRef<local> }>(({ id, ref }) => {
  if (proxies.get(id) === ref) proxies.delete(id);
});

function remember(id: number, proxy: local): void {
  if (proxies.get(id)?.deref() === proxy) return;
  const ref = new WeakRef(proxy);
  proxies.set(id, ref);
  forget.register(proxy, { id, ref });
}

function attributes(target: object): Attributes {
  let attrs = store.get(target);
  if (!attrs) {
    touched = true;
    store.set(target, (attrs = new Map<string | symbol, unknown>()));
  }
  return attrs;
}

/** How a subclassed local is made again in another thread. */
interface Subclass {
  cls: new (...args: unknown[]) => local;
  args: unknown[];
  program?: Program;
  encodedArgs?: unknown;
}

/** Set while a subclass's constructor runs for a thread: `super()` hands back the existing object. */
let initializing: local | undefined;

function makeLocal(id: number, sub: Subclass | undefined): local {
  const proto = (sub?.cls ?? local).prototype as object;
  const target = Object.create(proto) as local;
  const name = sub?.cls.name ?? "local";
  // util.inspect shows a Proxy's target without asking the proxy, so the target itself says what to show.
  Object.defineProperty(target, INSPECT, { value: () => `<${name} object ${id} ${inspectOwn(store.get(target))}>` });
  /** The first touch in a thread runs the subclass's constructor for it. */
  const init = () => {
    if (!sub || initialized.has(proxy)) return;
    initialized.add(proxy);
    touched = true;
    initializing = proxy;
    try {
      Reflect.construct(sub.cls, sub.args, sub.cls);
    } finally {
      initializing = undefined;
    }
  };
  const proxy: local = new Proxy(target, {
    get(t, key) {
      if (key === HANDLE) {
        return (): Handle => {
          remember(id, proxy);
          return handleOf(id, sub);
        };
      }
      init();
      const attrs = store.get(t);
      if (attrs?.has(key)) return attrs.get(key);
      if (key === INSPECT) return Reflect.get(t, key) as unknown;
      if (key === "toString" && !(sub && Reflect.has(proto, key) && proto !== local.prototype))
        return () => `<threadlab.local object ${id}>`;
      // Methods and getters of a subclass.
      if (
        sub &&
        key !== "constructor" &&
        Reflect.has(proto, key) &&
        !Object.prototype.hasOwnProperty.call(Object.prototype, key)
      ) {
        return Reflect.get(proto, key, proxy) as unknown;
      }
      // Promise resolution and inspection probe these; they are absent, not errors.
      if (typeof key === "symbol" || key === "then" || key === "constructor" || key === "toJSON") {
        return key === "constructor" ? (sub?.cls ?? local) : undefined;
      }
      throw new AttributeError(`'${name}' object has no attribute '${key}'`);
    },
    set(t, key, value) {
      init();
      attributes(t).set(key, value);
      return true;
    },
    defineProperty(t, key, descriptor) {
      // Class fields of a subclass are defined, not assigned.
      init();
      attributes(t).set(key, descriptor.value ?? descriptor.get?.());
      return true;
    },
    has(t, key) {
      init();
      return (store.get(t)?.has(key) ?? false) || (!!sub && Reflect.has(proto, key));
    },
    deleteProperty(t, key) {
      init();
      const attrs = store.get(t);
      if (!attrs?.has(key)) throw new AttributeError(`'${name}' object has no attribute '${String(key)}'`);
      attrs.delete(key);
      return true;
    },
    ownKeys: (t) => {
      init();
      return [...(store.get(t)?.keys() ?? [])];
    },
    getOwnPropertyDescriptor(t, key) {
      init();
      const attrs = store.get(t);
      if (!attrs?.has(key)) return undefined;
      return { value: attrs.get(key), writable: true, enumerable: true, configurable: true };
    },
  });
  return proxy;
}

function handleOf(id: number, sub: Subclass | undefined): Handle {
  if (!sub) return { type: "local", state: id };
  sub.program ??= buildProgram(sub.cls as never, `the class ${sub.cls.name} of a local`, callerLookup());
  sub.encodedArgs ??= encodeArgs(sub.args, `the arguments of ${sub.cls.name}()`);
  return { type: "local", state: { id, program: sub.program, args: sub.encodedArgs } };
}

function inspectOwn(attrs: Attributes | undefined): string {
  if (!attrs || attrs.size === 0) return "{}";
  return `{ ${[...attrs.keys()].map(String).join(", ")} }`;
}

/**
 * Thread-local data: `const data = new local(); data.value = 1;` sets `value`
 * for this thread only. Share the same `local` with threads (by name, or as an
 * argument); each of them starts with no attributes (or, for a subclass, with
 * what its constructor sets, run for that thread).
 */
export class local {
  [name: string]: any;
  /** `<threadlab.local object ID>`. */
  declare toString: () => string;

  /** @throws {TypeError} "Initialization arguments are not supported" (as CPython's) for `local` itself. */
  constructor(...args: unknown[]) {
    if (initializing) return initializing; // a subclass's constructor, run again for another thread
    if (new.target === local && args.length > 0) throw new TypeError("Initialization arguments are not supported");
    const id = nextObjectId();
    const sub = new.target === local ? undefined : { cls: new.target as Subclass["cls"], args };
    // JavaScript hands a base class only what super() passes: a thread can run the constructor again
    // only with those arguments, so a constructor that takes some must pass them on.
    if (sub && args.length < sub.cls.length) {
      const cls = sub.cls.name || "the subclass";
      throw new TypeError(
        `${cls}'s constructor takes ${sub.cls.length} argument(s), but its super() call passes ${args.length}: each thread ` +
          `runs the constructor again with the arguments super() got (as Python calls local.__init__ in each thread with ` +
          `the arguments the object was made with). Pass them on: super(...args)`,
      );
    }
    const proxy = makeLocal(id, sub);
    // This thread is the one making it: its constructor runs now, here.
    if (sub) {
      initialized.add(proxy);
      touched = true;
    }
    return proxy;
  }
}

registerHandleType("local", (s) => {
  const id = typeof s === "number" ? s : (s as { id: number }).id;
  const found = proxies.get(id)?.deref();
  if (found) return found;
  let made: local;
  if (typeof s === "number") made = makeLocal(s, undefined);
  else {
    const { program, args } = s as { id: number; program: Program; args: unknown };
    const cls = rebuildSync(program) as Subclass["cls"];
    made = makeLocal(id, { cls, args: decode(args, true, "the arguments of a local") as unknown[], program, encodedArgs: args });
  }
  remember(id, made);
  return made;
});
