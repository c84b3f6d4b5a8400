/**
 * `local`: Python's `threading.local()`. Each thread sees its own attributes;
 * reading one this thread never set throws `AttributeError`.
 *
 * A `local` is one id shared by every thread; each isolate keeps the values of
 * the thread running in it, and a pool worker wipes them when its thread ends,
 * so nothing reaches the next thread that reuses the worker.
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

type Attributes = Map<string | symbol, unknown>;

/** The values of every `local` for the thread running in this isolate, by the local's object in this isolate. */
let store = new WeakMap<object, Attributes>();

/** Forgets every thread-local value of this isolate's thread (a pool worker calls it between threads). */
export function clearThreadLocals(): void {
  store = new WeakMap();
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
  if (!attrs) store.set(target, (attrs = new Map<string | symbol, unknown>()));
  return attrs;
}

function makeLocal(id: number): local {
  const target = Object.create(local.prototype) as local;
  // util.inspect shows a Proxy's target without asking the proxy, so the target itself says what to show.
  Object.defineProperty(target, INSPECT, { value: () => `<local object ${id} ${inspectOwn(store.get(target))}>` });
  const proxy = new Proxy(target, {
    get(t, key) {
      const attrs = store.get(t);
      if (attrs?.has(key)) return attrs.get(key);
      if (key === HANDLE) {
        return (): Handle => {
          remember(id, proxy);
          return { type: "local", state: id };
        };
      }
      if (key === "toString") return () => `<threadlab.local object ${id}>`;
      // Promise resolution and inspection probe these; they are absent, not errors.
      if (typeof key === "symbol" || key === "then" || key === "constructor" || key === "toJSON") {
        return key === "constructor" ? local : undefined;
      }
      throw new AttributeError(`'local' object has no attribute '${key}'`);
    },
    set(t, key, value) {
      attributes(t).set(key, value);
      return true;
    },
    has(t, key) {
      return store.get(t)?.has(key) ?? false;
    },
    deleteProperty(t, key) {
      const attrs = store.get(t);
      if (!attrs?.has(key)) throw new AttributeError(`'local' object has no attribute '${String(key)}'`);
      attrs.delete(key);
      return true;
    },
    ownKeys: (t) => [...(store.get(t)?.keys() ?? [])],
    getOwnPropertyDescriptor(t, key) {
      const attrs = store.get(t);
      if (!attrs?.has(key)) return undefined;
      return { value: attrs.get(key), writable: true, enumerable: true, configurable: true };
    },
  });
  return proxy;
}

function inspectOwn(attrs: Map<string | symbol, unknown> | undefined): string {
  if (!attrs || attrs.size === 0) return "{}";
  return `{ ${[...attrs.keys()].map(String).join(", ")} }`;
}

/**
 * Thread-local data: `const data = new local(); data.value = 1;` sets `value`
 * for this thread only. Share the same `local` with threads (by name, or as an
 * argument); each of them starts with no attributes.
 */

export class local {
  [name: string]: any;
  /** `<threadlab.local object ID>`. */
  declare toString: () => string;

  /** @throws {TypeError} "Initialization arguments are not supported" (as CPython's). */
  constructor(...args: []) {
    if (args.length > 0) throw new TypeError("Initialization arguments are not supported");
    return makeLocal(nextObjectId());
  }
}

registerHandleType("local", (id) => {
  const found = proxies.get(id as number)?.deref();
  if (found) return found;
  const made = makeLocal(id as number);
  remember(id as number, made);
  return made;
});
