/**
 * `SharedList` and `SharedDict`, like `multiprocessing.Manager().list()` and
 * `.dict()`: every thread sees every change, and each operation is atomic (it
 * runs under the collection's lock, on data kept in shared memory as one
 * structured-clone record). Values must be plain data; reads return copies.
 */
import { IndexError, KeyError, ValueError, argError } from "../errors";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { SharedBlob, toRecord, type BlobState } from "./blob";

const DEFAULT_BYTES = 64 * 1024 * 1024;

function normIndex(i: number, length: number, what: string): number {
  if (typeof i !== "number" || !Number.isInteger(i)) throw new TypeError(`list indices must be integers, not ${typeof i}`);
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
   * @param items the initial items. @default []
   * @param options.capacityBytes most shared memory the list may use. @default 64 MiB
   */
  constructor(items: Iterable<T> = [], options: { capacityBytes?: number } = {}, state?: BlobState) {
    if (state) {
      this.#blob = new SharedBlob(state);
      return;
    }
    const initial = [...items];
    toRecord(initial, "SharedList()");
    this.#blob = SharedBlob.create(initial, options.capacityBytes ?? DEFAULT_BYTES);
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
    const add = [...values];
    this.#blob.update((items) => ({ result: items.push(...add), changed: true }));
  }

  insert(i: number, value: T): void {
    this.#blob.update((items) => {
      const j = i < 0 ? Math.max(0, items.length + i) : Math.min(i, items.length);
      items.splice(j, 0, value);
      return { result: undefined, changed: true };
    });
  }

  /** Removes and returns item `i` (default: the last). @throws {IndexError} "pop from empty list" / "pop index out of range". */
  pop(i = -1): T {
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

function checkKey(key: unknown): Key {
  if (!["string", "number", "boolean", "bigint"].includes(typeof key))
    throw argError("SharedDict", "key", "a string, number, boolean or bigint", key);
  return key as Key;
}

export class SharedDict<V = unknown> {
  readonly #blob: SharedBlob<Map<Key, V>>;

  constructor(entries: Iterable<[Key, V]> | Record<string, V> = [], options: { capacityBytes?: number } = {}, state?: BlobState) {
    if (state) {
      this.#blob = new SharedBlob(state);
      return;
    }
    const map = new Map<Key, V>(Symbol.iterator in Object(entries) ? (entries as Iterable<[Key, V]>) : Object.entries(entries));
    for (const k of map.keys()) checkKey(k);
    toRecord(map, "SharedDict()");
    this.#blob = SharedBlob.create(map, options.capacityBytes ?? DEFAULT_BYTES);
  }

  get size(): number {
    return this.#blob.size();
  }

  /** The value for `key`, or `dflt` when it has none. */
  get(key: Key, dflt?: V): V | undefined {
    const m = this.#blob.read();
    return m.has(key) ? m.get(key) : dflt;
  }

  /** Python's `d[key]`: @throws {KeyError} when the key is missing. */
  getItem(key: Key): V {
    const m = this.#blob.read();
    if (!m.has(key)) throw new KeyError(JSON.stringify(key));
    return m.get(key) as V;
  }

  set(key: Key, value: V): void {
    checkKey(key);
    this.#blob.update((m) => ({ result: m.set(key, value), changed: true }));
  }

  has(key: Key): boolean {
    return this.#blob.read().has(key);
  }

  /** Python's `del d[key]`. @throws {KeyError} when the key is missing. */
  delete(key: Key): void {
    this.#blob.update((m) => {
      if (!m.delete(key)) throw new KeyError(JSON.stringify(key));
      return { result: undefined, changed: true };
    });
  }

  /** Removes `key` and returns its value, or `dflt`; with no default a missing key is a KeyError. */
  pop(key: Key, ...dflt: [V?]): V | undefined {
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

registerHandleType("SharedList", (s) => new SharedList([], {}, s as BlobState));
registerHandleType("SharedDict", (s) => new SharedDict([], {}, s as BlobState));
