/**
 * `local`: Python's `threading.local()`. Each thread sees its own attributes;
 * reading one this thread never set throws `AttributeError`.
 *
 * A `local` is one id shared by every thread; each isolate keeps the values of
 * the thread running in it, and a pool worker wipes them when its thread ends,
 * so nothing reaches the next thread that reuses the worker.
 */
import { AttributeError } from "../errors";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { nextObjectId } from "../state/ids";

/** The values of every `local` for the thread running in this isolate, by local id. */
let store = new Map<number, Map<string | symbol, unknown>>();

/** Forgets every thread-local value of this isolate's thread (a pool worker calls it between threads). */
export function clearThreadLocals(): void {
  store = new Map();
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");
const proxies = new Map<number, local>();

function attributes(id: number): Map<string | symbol, unknown> {
  let attrs = store.get(id);
  if (!attrs) store.set(id, (attrs = new Map<string | symbol, unknown>()));
  return attrs;
}

function makeLocal(id: number): local {
  const target = Object.create(local.prototype) as local;
  // util.inspect shows a Proxy's target without asking the proxy, so the target itself says what to show.
  Object.defineProperty(target, INSPECT, { value: () => `<local object ${id} ${inspectOwn(store.get(id))}>` });
  const proxy = new Proxy(target, {
    get(_t, key) {
      const attrs = store.get(id);
      if (attrs?.has(key)) return attrs.get(key);
      if (key === HANDLE) return (): Handle => ({ type: "local", state: id });
      if (key === "toString") return () => `<threadlab.local object ${id}>`;
      // Promise resolution and inspection probe these; they are absent, not errors.
      if (typeof key === "symbol" || key === "then" || key === "constructor" || key === "toJSON") {
        return key === "constructor" ? local : undefined;
      }
      throw new AttributeError(`'local' object has no attribute '${key}'`);
    },
    set(_t, key, value) {
      attributes(id).set(key, value);
      return true;
    },
    has(_t, key) {
      return store.get(id)?.has(key) ?? false;
    },
    deleteProperty(_t, key) {
      const attrs = store.get(id);
      if (!attrs?.has(key)) throw new AttributeError(`'local' object has no attribute '${String(key)}'`);
      attrs.delete(key);
      return true;
    },
    ownKeys: () => [...(store.get(id)?.keys() ?? [])],
    getOwnPropertyDescriptor(_t, key) {
      const attrs = store.get(id);
      if (!attrs?.has(key)) return undefined;
      return { value: attrs.get(key), writable: true, enumerable: true, configurable: true };
    },
  });
  proxies.set(id, proxy);
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

  constructor() {
    return makeLocal(nextObjectId());
  }
}

registerHandleType("local", (id) => proxies.get(id as number) ?? makeLocal(id as number));
