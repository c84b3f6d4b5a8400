/**
 * Objects are shared, as in Python: an instance of a user's class that
 * reaches a thread — in args, by a name its function sees, on a queue, in a
 * Future's result, in a field of another shared object — is the same object
 * in every thread. The first time it crosses, its fields move into shared
 * memory: numbers, booleans, null and undefined in fixed slots (a field read
 * or write is a few nanoseconds), everything else (strings, threadlab
 * objects, other shared objects, arrays and plain objects as shared
 * containers) in a record under the object's lock. The object itself keeps
 * working in the thread that made it: its fields become accessors to that
 * memory. In another thread the object is rebuilt from its class (which
 * travels as source, as a thread's function does) with the same accessors,
 * once per thread: the same object crossing twice arrives as the same object.
 *
 * A shared object's fields are the ones it has when it first crosses, as
 * with Python's `__slots__`: adding another one afterwards throws.
 */
import { DataCloneError } from "../errors";
import { registerHandleType, type Handle } from "../state/handle";
import { nextObjectId } from "../state/ids";
import { decodeFromBytes, encodeToBytes, markShared, setInstanceSharer } from "../transport/copy";
import { rebuildSync } from "../transport/rebuild";
import { buildProgram, callerLookup } from "../transport/programs";
import type { Program } from "../transport/resolve";
import { SharedBlob, type BlobState } from "./blob";
import { isPlainContainer, toContainer } from "./containers";

const NUM = 1;
const TRUE = 2;
const FALSE = 3;
const NULL = 4;
const UNDEF = 5;
const OTHER = 6;
const MAX_BYTES = 64 * 1024 * 1024;

interface ObjectState {
  id: number;
  fields: string[];
  /** Int32 tags (one per field, padded to 8 bytes), then one Float64 per field. */
  slots: SharedArrayBuffer;
  /** The values that are not numbers, booleans, null or undefined: `{ field: value }`. */
  others: BlobState;
  cls: Program;
  /** The class's identity across threads: an object made in a thread is an instance of the main thread's class there. */
  classKey: string;
}

interface Live {
  state: ObjectState;
  others: SharedBlob<unknown>;
  version: number;
  values: Record<string, unknown> | undefined;
}

const liveOf = new WeakMap<object, Live>();
const objects = new Map<number, WeakRef<object>>();
const forget = new FinalizationRegistry<number>((id) => {
  if (objects.get(id)?.deref() === undefined) objects.delete(id);
});

// ---- the class of a shared object, across threads ------------------------------------------

let classCount = 0;
let isolateTag: string | undefined;
const keyOfClass = new WeakMap<object, string>();
const classOfKey = new Map<string, new (...a: never[]) => object>();
const programOfClass = new WeakMap<object, Program>();

function classKey(cls: new (...a: never[]) => object): string {
  let key = keyOfClass.get(cls);
  if (!key) {
    isolateTag ??= `${process.pid}.${Math.random().toString(36).slice(2)}`;
    key = `${isolateTag}:${++classCount}`;
    keyOfClass.set(cls, key);
    classOfKey.set(key, cls);
  }
  return key;
}

function classFor(state: ObjectState): new (...a: never[]) => object {
  let cls = classOfKey.get(state.classKey);
  if (!cls) {
    cls = rebuildSync(state.cls) as new (...a: never[]) => object;
    classOfKey.set(state.classKey, cls);
    keyOfClass.set(cls, state.classKey);
    programOfClass.set(cls, state.cls);
  }
  return cls;
}

/** Why an instance of `cls` cannot be shared, if it cannot. */
function refusal(obj: object, cls: unknown): string | undefined {
  const name = (cls as { name?: string })?.name || "an anonymous class";
  if (typeof cls !== "function") return `it has no class (its constructor is not a function)`;
  const src = Function.prototype.toString.call(cls);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    return `it is a ${name}, an object of Node or JavaScript itself (not of a class of yours), whose inside no thread can share. Pass the data it holds instead`;
  }
  for (
    let proto = Object.getPrototypeOf(obj) as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    const base = (proto as { constructor?: unknown }).constructor;
    if (typeof base !== "function") continue;
    const text = Function.prototype.toString.call(base);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
      return `it is a ${name}, which extends ${(base as { name: string }).name}, a class of JavaScript or Node whose inside no thread can share. Hold such an object in a field instead of extending it`;
    }
    const priv = /(?<![\w$'"`])#([A-Za-z_$][\w$]*)/.exec(text);
    if (priv) {
      return `it is a ${name}, whose class uses the private field #${priv[1]}: private fields cannot be shared between threads. Make it an ordinary field (this.${priv[1]})`;
    }
  }
  return undefined;
}

// ---- fields --------------------------------------------------------------------------------

function views(state: ObjectState): { tags: Int32Array; nums: Float64Array } {
  const n = state.fields.length;
  const tagBytes = Math.ceil((n * 4) / 8) * 8;
  return { tags: new Int32Array(state.slots, 0, n), nums: new Float64Array(state.slots, tagBytes, n) };
}

/** The other values, decoded, kept while the record's version is the same. */
function othersOf(live: Live): Record<string, unknown> {
  const version = live.others.version();
  if (live.values === undefined || version !== live.version) {
    live.others.lock.with(() => {
      live.version = live.others.version();
      live.values = decodeFromBytes(live.others.readBytes(), false, "a shared object's fields", true) as Record<string, unknown>;
    });
  }
  return live.values!;
}

/** What a field's value is stored as: arrays and plain objects become shared containers. */
function stored(value: unknown, path: string): unknown {
  if (typeof value === "function") {
    throw new DataCloneError(
      `cannot share ${path}: it is a function, and a shared object's fields hold data. Make it a method of the class`,
    );
  }
  return isPlainContainer(value) ? toContainer(value, path) : value;
}

function setOther(live: Live, field: string, value: unknown, path: string): void {
  const v = stored(value, path);
  live.others.lock.with(() => {
    const record = decodeFromBytes(live.others.readBytes(), false, "a shared object's fields", true) as Record<string, unknown>;
    record[field] = v;
    live.others.writeBytes(encodeToBytes(record, path));
  });
}

/** Makes `obj`'s fields accessors to the shared slots and record, and forbids new fields. */
/** What an object's field accessors reach: its slots and its record. */
interface Slots {
  tags: Int32Array;
  nums: Float64Array;
  live: Live;
  className: string;
}
const SLOTS = Symbol("threadlab.sharedFields");
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * The accessors of a shared object's fields live on a prototype of their own between the object
 * and its class (one per class and field list, shared by all such objects), each reading the
 * object's slots: V8 then keeps the object fast, and a field read or write costs about what a
 * Value's does. (Accessors defined on each object make it a slow, dictionary-mode object.)
 */
const layers = new WeakMap<object, Map<string, object>>();
function layerFor(proto: object | null, fields: string[]): object {
  const key = fields.join("\u0000");
  let byFields = proto ? layers.get(proto) : undefined;
  const cached = byFields?.get(key);
  if (cached) return cached;
  const layer = Object.create(proto) as Record<string | symbol, unknown>;
  fields.forEach((field, i) => {
    Object.defineProperty(layer, field, {
      enumerable: true,
      configurable: true,
      get(this: { [SLOTS]?: Slots }) {
        const s = this[SLOTS];
        if (!s) return undefined;
        const t = s.tags[i];
        if (t === NUM) return s.nums[i];
        if (t === TRUE) return true;
        if (t === FALSE) return false;
        if (t === NULL) return null;
        if (t === UNDEF) return undefined;
        return othersOf(s.live)[field];
      },
      set(this: { [SLOTS]?: Slots }, v: unknown) {
        const s = this[SLOTS];
        if (!s) throw new TypeError(`'${field}' of a shared object was set on another object`);
        if (typeof v === "number") {
          s.nums[i] = v;
          if (s.tags[i] !== NUM) Atomics.store(s.tags, i, NUM);
        } else if (typeof v === "boolean") Atomics.store(s.tags, i, v ? TRUE : FALSE);
        else if (v === null) Atomics.store(s.tags, i, NULL);
        else if (v === undefined) Atomics.store(s.tags, i, UNDEF);
        else {
          setOther(s.live, field, v, `${s.className}.${field}`);
          Atomics.store(s.tags, i, OTHER);
        }
      },
    });
  });
  const fieldsOf = (self: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, self[f]]));
  // The fields are not the object's own properties: show them, and write them to JSON, all the same.
  Object.defineProperty(layer, INSPECT, {
    value(this: Record<string, unknown>, _depth: number, options: object, inspect: (v: unknown, o: object) => string) {
      const name = (this as { [SLOTS]?: Slots })[SLOTS]?.className ?? "Object";
      return `${name} ${inspect(fieldsOf(this), options)}`;
    },
  });
  Object.defineProperty(layer, "toJSON", {
    value(this: Record<string, unknown>) {
      return fieldsOf(this);
    },
  });
  if (proto) {
    if (!byFields) layers.set(proto, (byFields = new Map<string, object>()));
    byFields.set(key, layer);
  }
  return layer;
}

/** Makes `obj`'s fields those of `live` (in shared memory); with `seal`, no other field may be added. */
function attach(obj: object, live: Live, className: string, seal: boolean): void {
  liveOf.set(obj, live);
  const { tags, nums } = views(live.state);
  const own = Object.getOwnPropertyNames(obj);
  // Deleted last first, V8 keeps the object fast.
  for (const field of [...own].reverse()) if (live.state.fields.includes(field)) delete (obj as Record<string, unknown>)[field];
  Object.defineProperty(obj, SLOTS, { value: { tags, nums, live, className } satisfies Slots });
  Object.setPrototypeOf(obj, layerFor(Object.getPrototypeOf(obj) as object | null, live.state.fields));
  if (seal) Object.preventExtensions(obj);
}

function register(obj: object, live: Live): void {
  liveOf.set(obj, live);
  markShared(obj);
  objects.set(live.state.id, new WeakRef(obj));
  forget.register(obj, live.state.id);
}

/** The fields of a shared object, in shared memory: what a thread needs to give an object of its own the same fields. */
export interface SharedFields {
  id: number;
  fields: string[];
  slots: SharedArrayBuffer;
  others: BlobState;
}

/**
 * Moves the own data fields of `obj` named `fields` into shared memory and makes them accessors
 * to it; with `seal`, no other field may be added to `obj` afterwards.
 */
export function shareFields(obj: object, fields: string[], path: string, seal: boolean): SharedFields {
  const values = fields.map((f) => (obj as Record<string, unknown>)[f]);
  const n = fields.length;
  const slots = new SharedArrayBuffer(Math.max(8, Math.ceil((n * 4) / 8) * 8 + n * 8));
  const others = SharedBlob.create<unknown>(undefined, MAX_BYTES);
  others.lock.with(() => others.writeBytes(encodeToBytes({}, path)));
  const shared: SharedFields = { id: nextObjectId(), fields, slots, others: others.state };
  const live: Live = { state: shared as ObjectState, others, version: -1, values: undefined };
  attach(obj, live, path, seal);
  // Move the values in through the same setters every thread uses.
  fields.forEach((field, i) => ((obj as Record<string, unknown>)[field] = values[i]));
  return shared;
}

/** Gives `obj` (another thread's object for the same thing) the accessors of `shared`. */
export function attachFields(obj: object, shared: SharedFields, path: string, seal: boolean): void {
  attach(
    obj,
    { state: shared as ObjectState, others: new SharedBlob(shared.others), version: -1, values: undefined },
    path,
    seal,
  );
}

/** Turns `obj` (an instance of a user's class) into a shared object, the first time it crosses; returns its handle. */
function share(obj: object, path: string): Handle {
  const known = liveOf.get(obj);
  if (known) return { type: "SharedObject", state: known.state };
  const cls = (obj as { constructor?: unknown }).constructor;
  const why = refusal(obj, cls);
  if (why) throw new DataCloneError(`cannot send ${path} to a thread: ${why}`);
  const name = (cls as { name: string }).name || "<anonymous class>";
  const fields: string[] = [];
  for (const field of Object.getOwnPropertyNames(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, field)!;
    if (!("value" in d)) {
      throw new DataCloneError(
        `cannot send ${path} to a thread: its field '${field}' is a getter or setter of its own; define it in the class instead`,
      );
    }
    fields.push(field);
  }
  const program = programOfClass.get(cls as object) ?? buildProgram(cls as never, `the class ${name} of ${path}`, callerLookup());
  programOfClass.set(cls as object, program);
  const shared = shareFields(obj, fields, name, true);
  const state: ObjectState = { ...shared, cls: program, classKey: classKey(cls as never) };
  const live = liveOf.get(obj)!;
  live.state = state;
  register(obj, live);
  return { type: "SharedObject", state };
}

setInstanceSharer(share);

registerHandleType("SharedObject", (s) => {
  const state = s as ObjectState;
  const existing = objects.get(state.id)?.deref();
  if (existing) return existing;
  const cls = classFor(state);
  const obj = Object.create(cls.prototype as object) as object;
  const live: Live = { state, others: new SharedBlob(state.others), version: -1, values: undefined };
  attach(obj, live, cls.name, true);
  register(obj, live);
  return obj;
});

/** Whether `value` is a shared object (it crossed to a thread, or came from one). */
export function isSharedObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && liveOf.has(value);
}
