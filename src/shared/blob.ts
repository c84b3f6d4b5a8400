/**
 * Data kept in shared memory as one record (encoded as what crosses to a
 * thread is: transport/copy.ts), in a growable SharedArrayBuffer, changed
 * only under its lock: the storage of SharedList and SharedDict, and of
 * shared objects' fields and containers.
 */
import { DataCloneError } from "../errors";
import { lockOn, type Lock, type LockState } from "../sync/lock";
import { decodeFromBytes, encodeToBytes } from "../transport/copy";
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

/**
 * The record of a value, encoded as anything crossing to a thread is: threadlab objects and the
 * user's class instances shared, data as copies with their identity; what cannot cross is refused,
 * saying what it was and where.
 */
export function toRecord(value: unknown, where: string): Uint8Array {
  return encodeToBytes(value, where, false);
}

/** The value of a record: the outer list or map a fresh plain one, data inside as frozen copies. */
function fromRecord(bytes: Uint8Array): unknown {
  return decodeFromBytes(bytes, false, "the shared data");
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
  /** How errors name what is stored (what SharedList and SharedDict set). */
  name = "the shared data";

  constructor(
    readonly state: BlobState,
    initial?: T,
  ) {
    this.lock = lockOn(state.lock);
    this.#w = new Int32Array(state.sab, 0, 3);
    if (initial !== undefined) this.#write(toRecord(initial, "the shared data"), sizeOf(initial));
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
      if (Atomics.load(w, VERSION) === v) return fromRecord(copy) as T;
    }
    return this.lock.with(() => this.#readLocked());
  }

  /** How many items the value holds (a list's length, a map's size): one load, no copy. */
  size(): number {
    return Atomics.load(this.#w, SIZE);
  }

  #readLocked(): T {
    return fromRecord(new Uint8Array(this.state.sab, HEADER, Atomics.load(this.#w, LENGTH)).slice()) as T;
  }

  /** Runs `fn` on the current value under the lock; writes it back if `fn` says it changed it. */
  update<R>(fn: (value: T) => { result: R; changed: boolean }): R {
    return this.lock.with(() => {
      const value = this.#readLocked();
      const { result, changed } = fn(value);
      if (changed) this.#write(toRecord(value, this.name), sizeOf(value));
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
    const bytes = toRecord(value, this.name);
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
