/**
 * What crosses to another thread as data: threadlab objects become handles to
 * the same shared memory; plain data is copied (structured clone) and, on the
 * receiving side, frozen so that a write fails loudly instead of changing a
 * copy nobody else sees.
 */
import { DataCloneError } from "../errors";
import { HANDLE, isShareable, revive, type Handle } from "../state/handle";

const MARK = "\u0000threadlab.handle";

const CLONEABLE_PROTOTYPES = new Set<object | null>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
]);
const TypedArrayProto = Object.getPrototypeOf(Int8Array.prototype) as object;
/** The prototype of `v`, typed. */
const protoOf = (v: object) => Object.getPrototypeOf(v) as object | null;
const isTypedArrayProto = (proto: object | null) =>
  proto !== null && (proto === TypedArrayProto || protoOf(proto) === TypedArrayProto);

/**
 * Encodes `value` for postMessage: threadlab objects become handle records,
 * everything else must be structured-clonable plain data.
 *
 * @param what how to name the value in an error (e.g. "'config'").
 * @throws {DataCloneError} for functions inside data, class instances, symbols, promises...
 */
export function encode(value: unknown, what: string): unknown {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === "function") {
      throw new DataCloneError(
        `cannot send ${path} to a thread: it is a function inside data. ` +
          `Give the function a top-level name and share it by name (share({ ${v.name || "fn"} })) instead`,
      );
    }
    if (typeof v === "symbol") throw new DataCloneError(`cannot send ${path} to a thread: symbols cannot be copied`);
    if (typeof v !== "object" || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    if (isShareable(v)) {
      const rec = { [MARK]: v[HANDLE]() };
      seen.set(v, rec);
      return rec;
    }
    if (v instanceof Error) return v;
    const proto = protoOf(v);
    if (isTypedArrayProto(proto)) return v;
    if (!CLONEABLE_PROTOTYPES.has(proto)) {
      const cls = (v as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new DataCloneError(
        `cannot send ${path} to a thread: it is a ${cls} instance, and only plain data ` +
          `(objects, arrays, Map, Set, Date, numbers, strings...) and threadlab objects can cross. ` +
          `Pass its data as a plain object, or keep shared state in a SharedDict, SharedList or Value`,
      );
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      v.forEach((x, i) => out.push(walk(x, `${path}[${i}]`)));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(walk(k, `${path} key`), walk(x, `${path}.get(${String(k)})`));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(walk(x, `${path} item`));
      return out;
    }
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = proto === null ? (Object.create(null) as Record<string, unknown>) : {};
      seen.set(v, out);
      for (const key of Object.keys(v)) out[key] = walk((v as Record<string, unknown>)[key], `${path}.${key}`);
      return out;
    }
    return v;
  };
  return walk(value, what);
}

/**
 * Whether `value` is plain data through and through (numbers, strings,
 * arrays, plain objects, Map, Set, Date...), with no function, threadlab
 * object or class instance inside.
 */
export function isPlainData(value: unknown): boolean {
  const seen = new Set<object>();
  const walk = (v: unknown): boolean => {
    if (typeof v === "function" || typeof v === "symbol") return false;
    if (typeof v !== "object" || v === null || seen.has(v)) return true;
    seen.add(v);
    if (isShareable(v)) return false;
    const proto = protoOf(v);
    if (isTypedArrayProto(proto)) return true;
    if (!CLONEABLE_PROTOTYPES.has(proto)) return false;
    if (v instanceof Map) return [...v].every(([k, x]) => walk(k) && walk(x));
    if (v instanceof Set) return [...v].every(walk);
    return Object.values(v).every(walk);
  };
  return walk(value);
}

/** Rebuilds what `encode` made, reviving handles; copies come back frozen when `freeze` is set. */
export function decode(value: unknown, freeze: boolean, what: string): unknown {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    const mark = (v as Record<string, unknown>)[MARK] as Handle | undefined;
    if (mark) {
      const obj = revive(mark);
      seen.set(v, obj);
      return obj;
    }
    seen.set(v, v);
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
    else if (v instanceof Map) for (const [k, x] of v) v.set(k, walk(x));
    else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
      for (const key of Object.keys(v)) (v as Record<string, unknown>)[key] = walk((v as Record<string, unknown>)[key]);
    }
    return v;
  };
  const out = walk(value);
  return freeze ? frozenView(out, what) : out;
}

const views = new WeakMap<object, unknown>();

function readOnly(what: string, path: string): never {
  throw new TypeError(
    `cannot change ${path}: ${what} is a frozen copy of the starting thread's data, so a change here ` +
      `would be lost. To change data across threads use a Value, SharedArray, SharedList or SharedDict, ` +
      `or copy it first (structuredClone(${what}))`,
  );
}

function member(target: object, path: string, key: string | symbol): string {
  return Array.isArray(target) && /^\d+$/.test(String(key)) ? `${path}[${String(key)}]` : `${path}.${String(key)}`;
}

const MAP_WRITES = new Set(["set", "delete", "clear"]);
const SET_WRITES = new Set(["add", "delete", "clear"]);
const DATE_WRITES = /^set/;

/**
 * A read-only view of copied data: every write, in strict or sloppy code,
 * throws a TypeError that says why. Threadlab objects inside stay live.
 */
export function frozenView(value: unknown, what: string, path = what): unknown {
  if (typeof value !== "object" || value === null || isShareable(value)) return value;
  // Shared memory is shared on purpose: a write to it reaches every thread, so it is not frozen.
  if (value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer))
    return value;
  if (isTypedArrayProto(protoOf(value))) {
    return new Proxy(value, typedArrayTraps(what, path));
  }
  const cached = views.get(value);
  if (cached) return cached;
  const target = value as Record<string | symbol, unknown>;
  const view = new Proxy(target, {
    get(t, key, receiver) {
      if (t instanceof Map || t instanceof Set || t instanceof Date) {
        const member: unknown = Reflect.get(t, key, t);
        if (typeof member !== "function") return member;
        const writes = t instanceof Map ? MAP_WRITES : t instanceof Set ? SET_WRITES : null;
        if (typeof key === "string" && (writes ? writes.has(key) : DATE_WRITES.test(key))) {
          return () => readOnly(what, `${path}.${key}()`);
        }
        if (t instanceof Map && key === "get") {
          return (k: unknown) => frozenView(t.get(k), what, `${path}.get(${String(k)})`);
        }
        return (member as (...a: unknown[]) => unknown).bind(t);
      }
      const member: unknown = Reflect.get(t, key, receiver);
      if (typeof key === "symbol") return member;
      return frozenView(member, what, Array.isArray(t) && /^\d+$/.test(key) ? `${path}[${key}]` : `${path}.${key}`);
    },
    set: (t, key) => readOnly(what, member(t, path, key)),
    defineProperty: (t, key) => readOnly(what, member(t, path, key)),
    deleteProperty: (t, key) => readOnly(what, member(t, path, key)),
    setPrototypeOf: () => readOnly(what, path),
  });
  views.set(value, view);
  return view;
}

function typedArrayTraps(what: string, path: string): ProxyHandler<object> {
  return {
    get(t, key) {
      const member: unknown = Reflect.get(t, key, t);
      if (typeof member === "function") {
        if (key === "set" || key === "fill" || key === "copyWithin" || key === "reverse" || key === "sort") {
          return () => readOnly(what, `${path}.${String(key)}()`);
        }
        return (member as (...a: unknown[]) => unknown).bind(t);
      }
      return member;
    },
    set: (_t, key) => readOnly(what, `${path}[${String(key)}]`),
    defineProperty: (_t, key) => readOnly(what, `${path}[${String(key)}]`),
    deleteProperty: (_t, key) => readOnly(what, `${path}[${String(key)}]`),
  };
}
