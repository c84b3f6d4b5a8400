/**
 * Arrays and plain objects held by a shared object (`this.active = []`,
 * `this.counts = {}`): shared too, so that `this.active.push(name)` in one
 * thread is seen in every thread, as a Python list attribute is. Each is a
 * record in shared memory under its own lock; every thread sees it through a
 * Proxy that is a real Array (or a plain object) to its code. Each method call
 * and each assignment is one atomic step (as a list operation is under the
 * GIL): `push`, `pop`, `splice`, `sort`, `arr[i] = v`, `delete obj.k`...
 * Reads use the last decoded contents while the record's version is the same.
 *
 * Arrays and objects inside are containers of their own; Map, Set and Date
 * values are frozen copies (change them by assigning a new one).
 */
import { DataCloneError } from "../errors";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { nextObjectId } from "../state/ids";
import { decodeFromBytes, encodeToBytes, frozenView, isCopy, setContainerOf } from "../transport/copy";
import { SharedBlob, type BlobState } from "./blob";

const MAX_BYTES = 64 * 1024 * 1024;

interface ContainerState {
  id: number;
  kind: "array" | "object";
  blob: BlobState;
}

interface Container {
  state: ContainerState;
  blob: SharedBlob<unknown>;
  version: number;
  snapshot: unknown[] | Record<string, unknown> | undefined;
}

const byProxy = new WeakMap<object, Container>();
const proxies = new Map<number, WeakRef<object>>();
const forget = new FinalizationRegistry<number>((id) => {
  if (proxies.get(id)?.deref() === undefined) proxies.delete(id);
});

/**
 * Whether `value` is an array or plain object that becomes a container when a shared object holds it:
 * one that never crossed to a thread (a copy that did keeps its identity as a copy: a sentinel stays itself).
 */
export function isPlainContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  if (typeof value !== "object" || value === null || byProxy.has(value) || isCopy(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return Array.isArray(value) ? proto === Array.prototype : proto === Object.prototype || proto === null;
}

/**
 * Makes a container of `value`'s contents (arrays and plain objects inside become containers too)
 * and returns the Proxy that stands for it. The original is frozen, so that a later change to it
 * (which the container would never see) throws instead of vanishing.
 */
export function toContainer(value: unknown[] | Record<string, unknown>, path: string): object {
  const kind = Array.isArray(value) ? "array" : "object";
  const contents: unknown = Array.isArray(value)
    ? value.map((x, i) => inner(x, `${path}[${i}]`))
    : Object.fromEntries(Object.entries(value).map(([k, x]) => [k, inner(x, `${path}.${k}`)]));
  const blob = SharedBlob.create<unknown>(undefined, MAX_BYTES);
  blob.lock.with(() => blob.writeBytes(encodeToBytes(contents, path)));
  Object.freeze(value);
  const proxy = proxyOf({ id: nextObjectId(), kind, blob: blob.state });
  setContainerOf(value, proxy); // the original, crossing again, is this container
  return proxy;
}

/** What a value inside a container is stored as: containers for arrays and plain objects, the rest as it is. */
function inner(value: unknown, path: string): unknown {
  return isPlainContainer(value) ? toContainer(value, path) : value;
}

function proxyOf(state: ContainerState): object {
  const cached = proxies.get(state.id)?.deref();
  if (cached) return cached;
  const c: Container = { state, blob: new SharedBlob(state.blob), version: -1, snapshot: undefined };
  const proxy = state.kind === "array" ? arrayProxy(c) : objectProxy(c);
  byProxy.set(proxy, c);
  proxies.set(state.id, new WeakRef(proxy));
  forget.register(proxy, state.id);
  return proxy;
}

/** The contents now: the decoded record, kept while its version stays the same. */
function contents(c: Container): unknown[] & Record<string, unknown> {
  const version = c.blob.version();
  if (c.snapshot === undefined || version !== c.version) {
    c.blob.lock.with(() => {
      c.version = c.blob.version();
      c.snapshot = read(c);
    });
  }
  return c.snapshot as unknown[] & Record<string, unknown>;
}

function read(c: Container): unknown[] | Record<string, unknown> {
  const value = decodeFromBytes(c.blob.readBytes(), false, "a shared container", true) as unknown[] | Record<string, unknown>;
  // Map, Set and Date inside are copies: frozen, so that a change to one fails loudly.
  const freeze = (x: unknown) =>
    x instanceof Map || x instanceof Set || x instanceof Date ? frozenView(x, "a Map, Set or Date held by a shared object") : x;
  if (Array.isArray(value)) return value.map(freeze);
  return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, freeze(x)]));
}

/** Runs `fn` on a fresh copy of the contents under the container's lock, and stores what it leaves. */
function change<R>(c: Container, fn: (value: unknown[] & Record<string, unknown>) => R, path: string): R {
  return c.blob.lock.with(() => {
    const value = read(c) as unknown[] & Record<string, unknown>;
    const result = fn(value);
    const stored: unknown = Array.isArray(value)
      ? value.map((x, i) => inner(x, `${path}[${i}]`))
      : Object.fromEntries(Object.entries(value).map(([k, x]) => [k, inner(x, `${path}.${k}`)]));
    c.blob.writeBytes(encodeToBytes(stored, path));
    return result;
  });
}

const MUTATORS = new Set(["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"]);
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

function isIndex(key: string | symbol): key is string {
  return typeof key === "string" && /^(0|[1-9]\d*)$/.test(key);
}

function handleOf(c: Container): Handle {
  return { type: "SharedContainer", state: c.state };
}

/**
 * The Proxy's target: util.inspect shows a Proxy's target, not the Proxy, so the target itself
 * says to show the contents.
 */
function target<T extends object>(empty: T, c: Container): T {
  Object.defineProperty(empty, INSPECT, {
    value: (_depth: number, _options: unknown, inspect: (v: unknown, o: unknown) => string) =>
      inspect(Array.isArray(empty) ? [...contents(c)] : { ...contents(c) }, _options),
    configurable: true,
  });
  return empty;
}

function arrayProxy(c: Container): object {
  return new Proxy(target([] as unknown[], c), {
    get(_t, key) {
      if (key === HANDLE) return () => handleOf(c);
      const value = contents(c);
      if (typeof key === "string" && MUTATORS.has(key)) {
        return (...args: unknown[]) =>
          change(c, (v) => (Array.prototype[key as "push"] as (...a: unknown[]) => unknown).apply(v, args), "a shared array");
      }
      if (key === "length" || isIndex(key)) return value[key as never];
      const member = Reflect.get(Array.prototype, key) as unknown;
      // Everything else (map, filter, indexOf, join, iteration...) reads the contents as they are now.
      return typeof member === "function" ? (member as (...a: unknown[]) => unknown).bind([...value]) : member;
    },
    set(_t, key, v) {
      if (key === "length" || isIndex(key)) {
        change(
          c,
          (value) => {
            (value as unknown as Record<string, unknown>)[key] = v;
          },
          "a shared array",
        );
        return true;
      }
      throw new TypeError(`cannot set '${String(key)}' on a shared array: only its elements and length can change`);
    },
    deleteProperty(_t, key) {
      if (isIndex(key)) change(c, (value) => delete (value as unknown as Record<string, unknown>)[key], "a shared array");
      return true;
    },
    has: (_t, key) => key === HANDLE || Reflect.has(contents(c), key),
    ownKeys: () => Reflect.ownKeys(contents(c)),
    getOwnPropertyDescriptor(_t, key) {
      if (key === "length") return { value: contents(c).length, writable: true, enumerable: false, configurable: false };
      const d = Reflect.getOwnPropertyDescriptor(contents(c), key);
      return d && { ...d, writable: true, configurable: true };
    },
    defineProperty(_t, key) {
      throw new TypeError(`cannot define '${String(key)}' on a shared array: assign its elements instead`);
    },
  });
}

function objectProxy(c: Container): object {
  return new Proxy(target({}, c), {
    get(_t, key) {
      if (key === HANDLE) return () => handleOf(c);
      const value = contents(c);
      if (typeof key === "symbol") return undefined;
      return Object.prototype.hasOwnProperty.call(value, key) ? value[key] : (Reflect.get(Object.prototype, key) as unknown);
    },
    set(_t, key, v) {
      if (typeof key === "symbol") throw new DataCloneError("a shared object's keys are strings: a symbol key cannot be shared");
      change(
        c,
        (value) => {
          (value as Record<string, unknown>)[key] = v;
        },
        "a shared object",
      );
      return true;
    },
    deleteProperty(_t, key) {
      if (typeof key === "string") change(c, (value) => delete (value as Record<string, unknown>)[key], "a shared object");
      return true;
    },
    has: (_t, key) => key === HANDLE || Reflect.has(contents(c), key),
    ownKeys: () => Reflect.ownKeys(contents(c)),
    getOwnPropertyDescriptor(_t, key) {
      const d = Reflect.getOwnPropertyDescriptor(contents(c), key);
      return d && { ...d, writable: true, configurable: true };
    },
  });
}

registerHandleType("SharedContainer", (s) => proxyOf(s as ContainerState));
