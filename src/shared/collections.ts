/**
 * `SharedList` and `SharedDict`, like `multiprocessing.Manager().list()` and
 * `.dict()`: every thread sees every change, and each operation is atomic (it
 * runs under the collection's lock, on data kept in shared memory as one
 * structured-clone record). Values must be plain data; reads return copies.
 */
import { IndexError, KeyError, OverflowError, ValueError, argError, checkOptions, describe, takesAtMost } from "../errors";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { SharedBlob, toRecord, type BlobState } from "./blob";

const DEFAULT_BYTES = 64 * 1024 * 1024;
const MAX_BYTES = 2 ** 30;

interface CollectionOptions {
  /** Most shared memory the collection may use (reserved address space; pages are used as it grows). @default 64 MiB */
  capacityBytes?: number;
}

/** The blob to build the next collection on (a handle's); module-private, so user code cannot pass one. */
let building: BlobState | undefined;

function revived<C>(state: unknown, make: () => C): C {
  building = state as BlobState;
  try {
    return make();
  } finally {
    building = undefined;
  }
}

/** Checks a collection constructor's options; returns capacityBytes. */
function capacityOf(where: string, options: CollectionOptions | undefined): number {
  const cap = checkOptions<CollectionOptions>(where, options, ["capacityBytes"]).capacityBytes ?? DEFAULT_BYTES;
  if (typeof cap !== "number" || !Number.isInteger(cap) || cap < 64)
    throw argError(where, "capacityBytes", "a whole number of at least 64", cap);
  if (cap > MAX_BYTES) throw new OverflowError(`${where} capacityBytes ${cap} is too large (at most ${MAX_BYTES}, 1 GiB)`);
  return cap;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    value !== null && value !== undefined && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}

/** An index argument of a list method: a whole number (`insert("x", v)` is a TypeError, as in Python). */
function checkIndex(where: string, i: unknown): number {
  if (typeof i !== "number" || !Number.isInteger(i)) throw argError(where, "index", "a whole number", i);
  return i;
}

function normIndex(i: number, length: number, what: string): number {
  if (typeof i !== "number" || !Number.isInteger(i)) throw new TypeError(`list indices must be integers, not ${describe(i)}`);
  const j = i < 0 ? i + length : i;
  if (j < 0 || j >= length) throw new IndexError(what);
  return j;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

export class SharedList<T = unknown> {
  readonly #blob: SharedBlob<T[]>;

  /**
   * @param items the initial items (any iterable). @default []
   * @param options.capacityBytes most shared memory the list may use. @default 64 MiB
   */
  constructor(items: Iterable<T> = [], options?: CollectionOptions, ...rest: []) {
    const state = building;
    building = undefined;
    if (state) {
      this.#blob = new SharedBlob(state);
      this.#blob.name = "the SharedList";
      return;
    }
    if (rest.length > 0) throw takesAtMost("SharedList()", 2, 2 + rest.length);
    if (!isIterable(items)) throw argError("SharedList()", "items", "an iterable (an array, a Set...)", items);
    const cap = capacityOf("SharedList()", options);
    const initial = [...items];
    toRecord(initial, "SharedList()");
    this.#blob = SharedBlob.create(initial, cap);
    this.#blob.name = "the SharedList";
  }

  get length(): number {
    return this.#blob.size();
  }

  /** Item `i` (negative counts from the end). @throws {IndexError} "list index out of range". */
  get(i: number): T {
    const items = this.#blob.read();
    return items[normIndex(i, items.length, "list index out of range")];
  }

  /** @throws {IndexError} "list assignment index out of range". */
  set(i: number, value: T): void {
    this.#blob.update((items) => {
      items[normIndex(i, items.length, "list assignment index out of range")] = value;
      return { result: undefined, changed: true };
    });
  }

  append(value: T): void {
    this.#blob.update((items) => ({ result: items.push(value), changed: true }));
  }

  extend(values: Iterable<T>): void {
    if (!isIterable(values)) throw argError("extend()", "values", "an iterable (an array, a Set...)", values);
    const add = [...values];
    this.#blob.update((items) => ({ result: items.push(...add), changed: true }));
  }

  /** Inserts `value` before index `i` (negative counts from the end; past either end: at that end). */
  insert(i: number, value: T): void {
    checkIndex("insert()", i);
    this.#blob.update((items) => {
      const j = i < 0 ? Math.max(0, items.length + i) : Math.min(i, items.length);
      items.splice(j, 0, value);
      return { result: undefined, changed: true };
    });
  }

  /** Removes and returns item `i` (default: the last). @throws {IndexError} "pop from empty list" / "pop index out of range". */
  pop(i = -1): T {
    checkIndex("pop()", i);
    return this.#blob.update((items) => {
      if (items.length === 0) throw new IndexError("pop from empty list");
      const j = normIndex(i, items.length, "pop index out of range");
      return { result: items.splice(j, 1)[0], changed: true };
    });
  }

  /** Removes the first item equal to `value`. @throws {ValueError} "list.remove(x): x not in list". */
  remove(value: T): void {
    this.#blob.update((items) => {
      const j = items.findIndex((x) => sameValue(x, value));
      if (j < 0) throw new ValueError("list.remove(x): x not in list");
      items.splice(j, 1);
      return { result: undefined, changed: true };
    });
  }

  /** @throws {ValueError} "X is not in list". */
  index(value: T): number {
    const j = this.#blob.read().findIndex((x) => sameValue(x, value));
    if (j < 0) throw new ValueError(`${JSON.stringify(value)} is not in list`);
    return j;
  }

  count(value: T): number {
    return this.#blob.read().filter((x) => sameValue(x, value)).length;
  }

  includes(value: T): boolean {
    return this.#blob.read().some((x) => sameValue(x, value));
  }

  reverse(): void {
    this.#blob.update((items) => ({ result: items.reverse(), changed: true }));
  }

  /** Sorts in place (numbers numerically, strings by code point, unless `compare` is given). */
  sort(compare?: (a: T, b: T) => number): void {
    if (compare !== undefined && typeof compare !== "function") throw argError("sort()", "compare", "a function", compare);
    this.#blob.update((items) => {
      items.sort(compare ?? ((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      return { result: undefined, changed: true };
    });
  }

  clear(): void {
    this.#blob.update((items) => ({ result: items.splice(0), changed: true }));
  }

  /** A copy of the items now. */
  toArray(): T[] {
    return this.#blob.read();
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }

  /** Python's `with lst.lock:`-style compound operations: run `fn` holding the list's lock. */
  withLock<R>(fn: () => R): R {
    if (typeof fn !== "function") throw argError("withLock()", "fn", "a function", fn);
    return this.#blob.lock.with(fn);
  }

  toString(): string {
    return `SharedList(${JSON.stringify(this.toArray())})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "SharedList", state: this.#blob.state };
  }
}

type Key = string | number | boolean | bigint;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function checkKey(key: unknown): Key {
  if (!["string", "number", "boolean", "bigint"].includes(typeof key))
    throw argError("SharedDict", "key", "a string, number, boolean or bigint", key);
  return key as Key;
}

export class SharedDict<V = unknown> {
  readonly #blob: SharedBlob<Map<Key, V>>;

  /**
   * @param entries the initial entries: [key, value] pairs (an array of them, a Map...) or a plain object. @default none
   * @param options.capacityBytes most shared memory the dict may use. @default 64 MiB
   */
  constructor(entries: Iterable<[Key, V]> | Record<string, V> = [], options?: CollectionOptions, ...rest: []) {
    const state = building;
    building = undefined;
    if (state) {
      this.#blob = new SharedBlob(state);
      this.#blob.name = "the SharedDict";
      return;
    }
    if (rest.length > 0) throw takesAtMost("SharedDict()", 2, 2 + rest.length);
    const map = new Map<Key, V>();
    if (isIterable(entries) && typeof entries !== "string") {
      let n = 0;
      for (const pair of entries as Iterable<unknown>) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError(
            `cannot convert dictionary update sequence element #${n} to a sequence: expected a [key, value] pair, got ${describe(pair)}`,
          );
        }
        map.set(checkKey(pair[0]), pair[1] as V);
        n++;
      }
    } else if (isPlainObject(entries)) {
      for (const [k, v] of Object.entries(entries)) map.set(k, v);
    } else {
      throw argError("SharedDict()", "entries", "[key, value] pairs (an array of them, a Map) or a plain object", entries);
    }
    const cap = capacityOf("SharedDict()", options);
    toRecord(map, "SharedDict()");
    this.#blob = SharedBlob.create(map, cap);
    this.#blob.name = "the SharedDict";
  }

  get size(): number {
    return this.#blob.size();
  }

  /** The value for `key`, or `dflt` when it has none. */
  get(key: Key, dflt?: V): V | undefined {
    checkKey(key);
    const m = this.#blob.read();
    return m.has(key) ? m.get(key) : dflt;
  }

  /** Python's `d[key]`: @throws {KeyError} when the key is missing. */
  getItem(key: Key): V {
    checkKey(key);
    const m = this.#blob.read();
    if (!m.has(key)) throw new KeyError(JSON.stringify(key));
    return m.get(key) as V;
  }

  set(key: Key, value: V): void {
    checkKey(key);
    this.#blob.update((m) => ({ result: m.set(key, value), changed: true }));
  }

  has(key: Key): boolean {
    checkKey(key);
    return this.#blob.read().has(key);
  }

  /** Python's `del d[key]`. @throws {KeyError} when the key is missing. */
  delete(key: Key): void {
    checkKey(key);
    this.#blob.update((m) => {
      if (!m.delete(key)) throw new KeyError(JSON.stringify(key));
      return { result: undefined, changed: true };
    });
  }

  /** Removes `key` and returns its value, or `dflt`; with no default a missing key is a KeyError. */
  pop(key: Key, ...dflt: [V?]): V | undefined {
    checkKey(key);
    return this.#blob.update((m) => {
      if (!m.has(key)) {
        if (dflt.length) return { result: dflt[0], changed: false };
        throw new KeyError(JSON.stringify(key));
      }
      const v = m.get(key);
      m.delete(key);
      return { result: v, changed: true };
    });
  }

  /** The value for `key`, setting it to `dflt` first if it has none (atomically). */
  setdefault(key: Key, dflt: V): V {
    checkKey(key);
    return this.#blob.update((m) => {
      if (m.has(key)) return { result: m.get(key) as V, changed: false };
      m.set(key, dflt);
      return { result: dflt, changed: true };
    });
  }

  /** Updates `key` from its current value in one atomic step: `d.update("n", (n = 0) => n + 1)`. */
  update(key: Key, fn: (current: V | undefined) => V): V {
    checkKey(key);
    if (typeof fn !== "function") throw argError("update()", "fn", "a function of the current value", fn);
    return this.#blob.update((m) => {
      const v = fn(m.get(key));
      m.set(key, v);
      return { result: v, changed: true };
    });
  }

  keys(): Key[] {
    return [...this.#blob.read().keys()];
  }

  values(): V[] {
    return [...this.#blob.read().values()];
  }

  items(): Array<[Key, V]> {
    return [...this.#blob.read().entries()];
  }

  clear(): void {
    this.#blob.update((m) => ({ result: m.clear(), changed: true }));
  }

  /** A copy as a Map. */
  toMap(): Map<Key, V> {
    return this.#blob.read();
  }

  [Symbol.iterator](): Iterator<Key> {
    return this.keys()[Symbol.iterator]();
  }

  toString(): string {
    return `SharedDict(${JSON.stringify(Object.fromEntries(this.items().map(([k, v]) => [String(k), v])))})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "SharedDict", state: this.#blob.state };
  }
}

registerHandleType("SharedList", (s) => revived(s, () => new SharedList()));
registerHandleType("SharedDict", (s) => revived(s, () => new SharedDict()));
