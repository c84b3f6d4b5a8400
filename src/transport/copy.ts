/**
 * What crosses to another thread as data: threadlab objects become handles to
 * the same shared memory; plain data is copied (structured clone) and, on the
 * receiving side, frozen so that a write fails loudly instead of changing a
 * copy nobody else sees.
 */
import { DataCloneError } from "../errors";
import { v8 } from "../state/builtins";
import { bufferOfNumber, numberOfBuffer } from "../state/directory";
import { HANDLE, isShareable, revive, type Handle } from "../state/handle";
import { adoptHandle, tagHandle } from "../state/trace";

const MARK = "\u0000threadlab.handle";

/** The prototype of `v`, typed. */
const protoOf = (v: object) => Object.getPrototypeOf(v) as object | null;

/**
 * What kind of plain data `v` is, or "instance" for anything else (a user's class, a native
 * object). By tag and prototype depth, not by identity with this realm's prototypes: data made
 * in another realm (by v8.deserialize, a message, a vm context) is data too.
 */
type Kind =
  "object" | "array" | "map" | "set" | "date" | "regexp" | "typed" | "buffer" | "dataview" | "boxed" | "error" | "instance";
const TAGS: Record<string, Kind> = {
  "[object Object]": "object",
  "[object Array]": "array",
  "[object Map]": "map",
  "[object Set]": "set",
  "[object Date]": "date",
  "[object RegExp]": "regexp",
  "[object ArrayBuffer]": "buffer",
  "[object SharedArrayBuffer]": "buffer",
  "[object DataView]": "dataview",
  "[object Boolean]": "boxed",
  "[object Number]": "boxed",
  "[object String]": "boxed",
  "[object Error]": "error",
};
export function kindOf(v: object): Kind {
  if (ArrayBuffer.isView(v))
    return v instanceof DataView || Object.prototype.toString.call(v) === "[object DataView]"
      ? "dataview"
      : isBuiltinDepth(v, 3)
        ? "typed"
        : "instance";
  const tag = Object.prototype.toString.call(v);
  const kind = TAGS[tag];
  if (!kind) return "instance";
  if (kind === "error") return "error";
  // A builtin's own instance is two steps from the root (v → Map.prototype → Object.prototype → null);
  // a plain object one step (or none); anything deeper is a subclass: an instance.
  if (kind === "object") {
    const p = protoOf(v);
    return p === null || protoOf(p) === null ? "object" : "instance";
  }
  return isBuiltinDepth(v, 2) ? kind : "instance";
}

/** Whether `v`'s prototype chain has exactly `depth` prototypes before null. */
function isBuiltinDepth(v: object, depth: number): boolean {
  let p: object | null = v;
  for (let i = 0; i < depth; i++) {
    p = protoOf(p);
    if (p === null) return false;
  }
  return protoOf(p) === null;
}

/**
 * How an instance of a user's class crosses: set by the shared-objects layer
 * (shared/objects.ts), which turns the instance into a shared object and
 * returns its handle, or throws saying why it cannot be shared.
 */
type InstanceSharer = (instance: object, path: string) => Handle;
let instanceSharer: InstanceSharer | undefined;
export function setInstanceSharer(sharer: InstanceSharer): void {
  instanceSharer = sharer;
}

// Identity of copies: every plain object or array that crosses has a number, so that the same
// object crossing twice (by name and on a queue, say) is one copy in the receiving thread, and
// a copy that comes back is the original object again.
const COPY = "\u0000threadlab.copy";
let nextCopy = 0;
const keyOf = new WeakMap<object, string>();
const origins = new Map<string, WeakRef<object>>();
const received = new Map<string, WeakRef<object>>();
const forget = new FinalizationRegistry<{ map: Map<string, WeakRef<object>>; key: string }>(({ map, key }) => {
  if (map.get(key)?.deref() === undefined) map.delete(key);
});
/** Copy numbers are unique per isolate; this tag makes them unique in the process. */
let isolateTag: string | undefined;

/** The identity of `raw` (made on first use here: this thread is where it comes from). */
function copyKey(raw: object): string {
  const known = keyOf.get(raw);
  if (known) return known;
  isolateTag ??= `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const key = `${isolateTag}:${++nextCopy}`;
  keyOf.set(raw, key);
  origins.set(key, new WeakRef(raw));
  forget.register(raw, { map: origins, key });
  return key;
}

/**
 * Encodes `value` for postMessage: threadlab objects become handle records,
 * instances of the user's classes shared objects (see setInstanceSharer),
 * everything else must be structured-clonable plain data, copied with its identity.
 *
 * @param what how to name the value in an error (e.g. "'config'").
 * @param topIdentity false for a record whose outer list or map is a store of its own, not data
 *   that crosses (SharedList, SharedDict): it is encoded without an identity, what it holds with theirs.
 * @throws {DataCloneError} for functions inside data, symbols, promises, objects that cannot be shared...
 */
export function encode(value: unknown, what: string, topIdentity = true): unknown {
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
    const shared = containers.get(v) ?? v; // an original that became a container crosses as the container
    if (isShareable(shared)) {
      const rec = { [MARK]: shared[HANDLE]() };
      tagHandle(rec[MARK]);
      seen.set(v, rec);
      return rec;
    }
    if (v instanceof Error) return v;
    const raw = rawOf.get(v) ?? v; // a frozen copy this thread received: send the copy's data
    const kind = kindOf(raw);
    if (
      kind === "error" ||
      kind === "typed" ||
      kind === "buffer" ||
      kind === "dataview" ||
      kind === "date" ||
      kind === "regexp" ||
      kind === "boxed"
    ) {
      return raw;
    }
    if (kind === "instance") {
      if (instanceSharer) {
        const rec = { [MARK]: instanceSharer(raw, path) };
        seen.set(v, rec);
        return rec;
      }
      const cls = (raw as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new DataCloneError(`cannot send ${path} to a thread: it is an instance of ${cls}, which cannot be shared`);
    }
    const top = v === value && !topIdentity;
    const rec: { [COPY]: string; v: unknown } = { [COPY]: top ? "" : copyKey(raw), v: undefined };
    seen.set(v, rec);
    if (kind === "array") {
      const out: unknown[] = [];
      (raw as unknown[]).forEach((x, i) => out.push(walk(x, `${path}[${i}]`)));
      rec.v = out;
    } else if (kind === "map") {
      const out = new Map();
      for (const [k, x] of raw as Map<unknown, unknown>) out.set(walk(k, `${path} key`), walk(x, `${path}.get(${String(k)})`));
      rec.v = out;
    } else if (kind === "set") {
      const out = new Set();
      for (const x of raw as Set<unknown>) out.add(walk(x, `${path} item`));
      rec.v = out;
    } else {
      const out: Record<string, unknown> = protoOf(raw) === null ? (Object.create(null) as Record<string, unknown>) : {};
      for (const key of Object.keys(raw)) out[key] = walk((raw as Record<string, unknown>)[key], `${path}.${key}`);
      rec.v = out;
    }
    if (top) {
      seen.set(v, rec.v);
      return rec.v;
    }
    return rec;
  };
  return walk(value, what);
}

/** Encodes the elements of an argument list (the list itself is no shared object: it is made anew). */
export function encodeArgs(args: unknown[], what: string): unknown[] {
  return args.map((a, i) => encode(a, `${what}[${i}]`));
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
    const kind = kindOf(v);
    if (kind === "instance") return false;
    if (kind === "map") return [...(v as Map<unknown, unknown>)].every(([k, x]) => walk(k) && walk(x));
    if (kind === "set") return [...(v as Set<unknown>)].every(walk);
    if (kind !== "object" && kind !== "array") return true;
    return Object.values(v).every(walk);
  };
  return walk(value);
}

/** Makes `target` hold what `source` holds (a copy received again: same object, new contents). */
function refill(target: object, source: object): void {
  if (Array.isArray(target)) {
    target.length = 0;
    target.push(...(source as unknown[]));
  } else if (kindOf(target) === "map") {
    (target as Map<unknown, unknown>).clear();
    for (const [k, x] of source as Map<unknown, unknown>) (target as Map<unknown, unknown>).set(k, x);
  } else if (kindOf(target) === "set") {
    (target as Set<unknown>).clear();
    for (const x of source as Set<unknown>) (target as Set<unknown>).add(x);
  } else {
    for (const key of Object.keys(target)) delete (target as Record<string, unknown>)[key];
    Object.assign(target, source);
  }
}

/**
 * Rebuilds what `encode` made, reviving handles; copies come back as frozen views (and the whole
 * value too, when `freeze` is set). With `rawTop`, the outermost copy comes back as the plain
 * object itself: a record that threadlab keeps (a shared object's fields) and writes back.
 */
export function decode(value: unknown, freeze: boolean, what: string, rawTop = false): unknown {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    const mark = (v as Record<string, unknown>)[MARK] as Handle | undefined;
    if (mark) {
      adoptHandle(mark);
      const obj = revive(mark);
      seen.set(v, obj);
      return obj;
    }
    const key = (v as Record<string, unknown>)[COPY] as string | undefined;
    if (key !== undefined) {
      // The original, when the copy comes back to the thread it came from.
      const origin = origins.get(key)?.deref();
      if (origin) {
        seen.set(v, origin);
        return origin;
      }
      const content = (v as { v: object }).v;
      const earlier = received.get(key)?.deref();
      const raw = earlier ?? content;
      // A copy is always seen through its frozen view, so that it is one object wherever it arrives.
      const view = rawTop && v === value ? raw : (frozenView(raw, what, path) as object);
      seen.set(v, view);
      walkInto(content, path);
      if (earlier) refill(earlier, content);
      else {
        received.set(key, new WeakRef(raw));
        forget.register(raw, { map: received, key });
        keyOf.set(raw, key);
      }
      return view;
    }
    seen.set(v, v);
    walkInto(v, path);
    return v;
  };
  const walkInto = (v: object, path: string): void => {
    const kind = kindOf(v);
    if (kind === "array")
      for (let i = 0; i < (v as unknown[]).length; i++) (v as unknown[])[i] = walk((v as unknown[])[i], `${path}[${i}]`);
    else if (kind === "map")
      for (const [k, x] of [...(v as Map<unknown, unknown>)])
        (v as Map<unknown, unknown>).set(k, walk(x, `${path}.get(${String(k)})`));
    else if (kind === "set") {
      const items = [...(v as Set<unknown>)];
      (v as Set<unknown>).clear();
      for (const x of items) (v as Set<unknown>).add(walk(x, `${path} item`));
    } else if (kind === "object") {
      for (const key of Object.keys(v))
        (v as Record<string, unknown>)[key] = walk((v as Record<string, unknown>)[key], `${path}.${key}`);
    }
  };
  const out = walk(value, what);
  return freeze ? frozenView(out, what) : out;
}

const BUFFER = "\u0000threadlab.buffer";

/**
 * Encodes `value` into bytes for shared memory (a queue item, a Future's
 * result, a field of a shared object): as `encode`, with every shared
 * buffer replaced by its number in the directory (state/directory.ts).
 */
export function encodeToBytes(value: unknown, what: string, topIdentity = true): Uint8Array {
  // A copy of the encoded value with each buffer replaced (handles hold objects' own state: never change those).
  const swap = (v: unknown, seen: Map<object, unknown>): unknown => {
    if (v instanceof SharedArrayBuffer) return { [BUFFER]: numberOfBuffer(v) };
    if (typeof v !== "object" || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    if (v instanceof Date || v instanceof RegExp || v instanceof Error) return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(swap(x, seen));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(swap(k, seen), swap(x, seen));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(swap(x, seen));
      return out;
    }
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const key of Object.keys(v)) out[key] = swap((v as Record<string, unknown>)[key], seen);
    return out;
  };
  const encoded = swap(encode(value, what, topIdentity), new Map());
  try {
    return v8().serialize(encoded);
  } catch (err) {
    throw new DataCloneError(`cannot store ${what}: ${(err as Error).message}`);
  }
}

/** Rebuilds what `encodeToBytes` wrote (see `decode` for `freeze` and `rawTop`). */
export function decodeFromBytes(bytes: Uint8Array, freeze: boolean, what: string, rawTop = false): unknown {
  const restore = (v: unknown, seen: Set<object>): unknown => {
    if (typeof v !== "object" || v === null || seen.has(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    const n = (v as Record<string, unknown>)[BUFFER];
    if (typeof n === "number") return bufferOfNumber(n);
    seen.add(v);
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = restore(v[i], seen);
    else if (v instanceof Map) for (const [k, x] of [...v]) v.set(k, restore(x, seen));
    else if (v instanceof Set) {
      const items = [...v];
      v.clear();
      for (const x of items) v.add(restore(x, seen));
    } else if (!(v instanceof Date) && !(v instanceof RegExp) && !(v instanceof Error)) {
      for (const key of Object.keys(v)) (v as Record<string, unknown>)[key] = restore((v as Record<string, unknown>)[key], seen);
    }
    return v;
  };
  return decode(restore(v8().deserialize(bytes), new Set()), freeze, what, rawTop);
}

const views = new WeakMap<object, unknown>();
/** Whether `value` is this thread's own object (not a copy it received): a copy that comes back is the object itself. */
function isOriginal(value: object): boolean {
  const key = keyOf.get(value);
  return key !== undefined && origins.get(key)?.deref() === value;
}

/**
 * Whether `value` has an identity as a copy already: a copy this thread received (or its frozen view),
 * or an object of this thread that crossed as a copy. Such an object stays a copy wherever it goes next.
 */
export function isCopy(value: object): boolean {
  return rawOf.has(value) || keyOf.has(value);
}

/** Original objects that became shared containers (shared/containers.ts): they cross as the container from then on. */
const containers = new WeakMap<object, object>();
export function setContainerOf(original: object, container: object): void {
  containers.set(original, container);
}

/** Objects that are shared, not copied (shared/objects.ts): a frozen copy never wraps them. */
const live = new WeakSet<object>();
export function markShared(obj: object): void {
  live.add(obj);
}

/** The copy behind a frozen view, to send the copy itself on (identity holds). */
const rawOf = new WeakMap<object, object>();

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
  if (
    typeof value !== "object" ||
    value === null ||
    isShareable(value) ||
    live.has(value) ||
    rawOf.has(value) ||
    isOriginal(value)
  )
    return value;
  // Shared memory is shared on purpose: a write to it reaches every thread, so it is not frozen.
  if (value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer))
    return value;
  const kind = kindOf(value);
  if (kind === "instance") return value; // not data (a shared object, a native object): nothing to freeze
  if (kind === "typed") return new Proxy(value, typedArrayTraps(what, path));
  const cached = views.get(value);
  if (cached) return cached;
  const target = value as Record<string | symbol, unknown>;
  const view = new Proxy(target, {
    get(t, key, receiver) {
      if (kind === "map" || kind === "set" || kind === "date") {
        const member: unknown = Reflect.get(t, key, t);
        if (typeof member !== "function") return member;
        const writes = kind === "map" ? MAP_WRITES : kind === "set" ? SET_WRITES : null;
        if (typeof key === "string" && (writes ? writes.has(key) : DATE_WRITES.test(key))) {
          return () => readOnly(what, `${path}.${key}()`);
        }
        if (kind === "map" && key === "get") {
          return (k: unknown) => frozenView((t as unknown as Map<unknown, unknown>).get(k), what, `${path}.get(${String(k)})`);
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
  rawOf.set(view, value);
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
