/**
 * Plain data kept in shared memory as one structured-clone record, in a
 * growable SharedArrayBuffer, changed only under its lock: the storage of
 * SharedList and SharedDict (and the check of what may be stored).
 */
import { deserialize, serialize } from "v8";
import { DataCloneError } from "../errors";
import { lockOn, type Lock, type LockState } from "../sync/lock";
import { isShareable } from "../state/handle";
import { ensureBytes, growableBuffer, maxBytesOf } from "./growable";

// The header: a seqlock's version word (even: stable; odd: a write is under way), the record's
// length, and how many items the value holds (a list's length, a dict's size), for reads that
// need only that.
const VERSION = 0;
const LENGTH = 1;
const SIZE = 2;
const HEADER = 16;
/** Optimistic reads tried before a reader takes the lock (a writer keeps rewriting a large value). */
const OPTIMISTIC_READS = 3;
const SPIN = 2000;
/** A word of this isolate's own, stored to between a read's copy and its re-check (see `read`). */
const fence = new Int32Array(new SharedArrayBuffer(4));

/** How many items a stored value holds: a list's length, a map's size. */
function sizeOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  return 0;
}

/** The first thing inside `value` that cannot be stored as plain data, if any. */
export function findUnstorable(value: unknown): { kind: "handle" | "function" | "symbol"; name: string } | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown): ReturnType<typeof findUnstorable> => {
    if (isShareable(v)) return { kind: "handle", name: "" };
    if (typeof v === "function") return { kind: "function", name: v.name };
    if (typeof v === "symbol") return { kind: "symbol", name: String(v) };
    if (!v || typeof v !== "object" || seen.has(v)) return undefined;
    seen.add(v);
    const parts = Array.isArray(v)
      ? v
      : v instanceof Map
        ? [...v.keys(), ...v.values()]
        : v instanceof Set
          ? [...v]
          : Object.values(v);
    for (const x of parts) {
      const found = walk(x);
      if (found) return found;
    }
    return undefined;
  };
  return walk(value);
}

/** Refuses what cannot be stored as plain data, saying what it was. */
export function toRecord(value: unknown, where: string): Uint8Array {
  const bad = findUnstorable(value);
  if (bad?.kind === "handle")
    throw new DataCloneError(`${where}: a threadlab object cannot be stored here yet; share it by name or pass it in args`);
  if (bad?.kind === "function")
    throw new DataCloneError(`${where}: a function cannot be stored (${bad.name || "anonymous"}); store plain data`);
  if (bad?.kind === "symbol") throw new DataCloneError(`${where}: a symbol cannot be stored`);
  try {
    return serialize(value);
  } catch (err) {
    throw new DataCloneError(`${where}: ${(err as Error).message}`);
  }
}

export interface BlobState {
  sab: SharedArrayBuffer;
  lock: LockState;
}

/**
 * One value in shared memory. Writers hold the lock. Readers do not take it:
 * the record is guarded by a seqlock, so a read copies the bytes between two
 * loads of the version word and keeps the copy only if no write began or
 * ended in between (a write makes the word odd while it runs). A read that
 * keeps meeting writes takes the lock, so it always ends, with a whole value.
 *
 * The ordering this needs: on x86 loads are not reordered with loads, nor
 * stores with stores. On ARM, V8's Atomics.load is a load-acquire and
 * Atomics.store / read-modify-writes are store-releases; so a writer loads
 * the word after making it odd (a release followed by an acquire stays in
 * order, and the acquire keeps the data stores after it), and a reader
 * stores to a word of its own after copying (a release keeps the copy's
 * loads before it) and only then re-loads the version.
 */
export class SharedBlob<T> {
  readonly lock: Lock;
  readonly #w: Int32Array;

  constructor(
    readonly state: BlobState,
    initial?: T,
  ) {
    this.lock = lockOn(state.lock);
    this.#w = new Int32Array(state.sab, 0, 3);
    if (initial !== undefined) this.#write(serialize(initial), sizeOf(initial));
  }

  static create<T>(initial: T, maxBytes: number): SharedBlob<T> {
    return new SharedBlob<T>(
      { sab: growableBuffer(HEADER, HEADER + maxBytes), lock: { sab: new SharedArrayBuffer(4), offset: 0 } },
      initial,
    );
  }

  /** Reads the current value (a fresh copy), whole, whatever other threads write meanwhile. */
  read(): T {
    const w = this.#w;
    for (let attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
      let v = Atomics.load(w, VERSION);
      for (let n = 0; v & 1 && n < SPIN; n++) v = Atomics.load(w, VERSION);
      if (v & 1) continue;
      const copy = new Uint8Array(this.state.sab, HEADER, Atomics.load(w, LENGTH)).slice();
      Atomics.store(fence, 0, 0);
      if (Atomics.load(w, VERSION) === v) return deserialize(copy) as T;
    }
    return this.lock.with(() => this.#readLocked());
  }

  /** How many items the value holds (a list's length, a map's size): one load, no copy. */
  size(): number {
    return Atomics.load(this.#w, SIZE);
  }

  #readLocked(): T {
    return deserialize(new Uint8Array(this.state.sab, HEADER, Atomics.load(this.#w, LENGTH)).slice()) as T;
  }

  /** Runs `fn` on the current value under the lock; writes it back if `fn` says it changed it. */
  update<R>(fn: (value: T) => { result: R; changed: boolean }): R {
    return this.lock.with(() => {
      const value = this.#readLocked();
      const { result, changed } = fn(value);
      if (changed) this.#write(toRecord(value, "store"), sizeOf(value));
      return result;
    });
  }

  /**
   * The seqlock's version word: it changes with every write (0 before the first), so a reader may
   * keep what it decoded while this stays the same.
   */
  version(): number {
    return Atomics.load(this.#w, VERSION);
  }

  /** The record's bytes as they are (a copy). Call with the lock held. */
  readBytes(): Uint8Array {
    return new Uint8Array(this.state.sab, HEADER, Atomics.load(this.#w, LENGTH)).slice();
  }

  /** Replaces the record's bytes (their own encoding: no item count is kept). Call with the lock held. */
  writeBytes(bytes: Uint8Array): void {
    this.#write(bytes, 0);
  }

  /** Replaces the value, under the lock. */
  set(value: T): void {
    const bytes = toRecord(value, "store");
    this.lock.with(() => this.#write(bytes, sizeOf(value)));
  }

  /** Writes a record; the lock is held. */
  #write(bytes: Uint8Array, size: number): void {
    const sab = this.state.sab;
    if (HEADER + bytes.length > maxBytesOf(sab)) {
      throw new DataCloneError(
        `the data no longer fits its shared memory (${bytes.length} bytes; capacityBytes is ${maxBytesOf(sab) - HEADER})`,
      );
    }
    ensureBytes(sab, HEADER + bytes.length);
    const w = this.#w;
    Atomics.add(w, VERSION, 1); // odd: readers that overlap this write retry
    Atomics.load(w, VERSION); // keeps the stores below after the one above (see the class comment)
    new Uint8Array(sab, HEADER, bytes.length).set(bytes);
    Atomics.store(w, LENGTH, bytes.length);
    Atomics.store(w, SIZE, size);
    Atomics.add(w, VERSION, 1); // even again: the new value is whole
  }
}
