/**
 * Plain data kept in shared memory as one structured-clone record, in a
 * growable SharedArrayBuffer, changed only under its lock: the storage of
 * SharedList and SharedDict (and the check of what may be stored).
 */
import { deserialize, serialize } from "v8";
import { DataCloneError } from "../errors";
import { Lock, type LockState } from "../sync/lock";
import { isShareable } from "../state/handle";
import { ensureBytes, growableBuffer, maxBytesOf } from "./growable";

const VERSION = 0;
const LENGTH = 1;
const HEADER = 8;

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

export class SharedBlob<T> {
  readonly lock: Lock;
  readonly #w: Int32Array;

  constructor(
    readonly state: BlobState,
    initial?: T,
  ) {
    this.lock = new Lock(state.lock);
    this.#w = new Int32Array(state.sab, 0, 2);
    if (initial !== undefined) this.#write(serialize(initial));
  }

  static create<T>(initial: T, maxBytes: number): SharedBlob<T> {
    return new SharedBlob<T>(
      { sab: growableBuffer(HEADER, HEADER + maxBytes), lock: { sab: new SharedArrayBuffer(4), offset: 0 } },
      initial,
    );
  }

  /** Reads the current value (a fresh copy). Call with the lock held, or accept a snapshot. */
  read(): T {
    const len = Atomics.load(this.#w, LENGTH);
    return deserialize(new Uint8Array(this.state.sab, HEADER, len).slice()) as T;
  }

  /** Runs `fn` on the current value under the lock; writes it back if `fn` says it changed it. */
  update<R>(fn: (value: T) => { result: R; changed: boolean }): R {
    return this.lock.with(() => {
      const value = this.read();
      const { result, changed } = fn(value);
      if (changed) this.#write(toRecord(value, "store"));
      return result;
    });
  }

  /** How many times the record was written: a reader may keep what it decoded while this stays the same. */
  version(): number {
    return Atomics.load(this.#w, VERSION);
  }

  /** The record's bytes as they are (a copy). Call with the lock held. */
  readBytes(): Uint8Array {
    return new Uint8Array(this.state.sab, HEADER, Atomics.load(this.#w, LENGTH)).slice();
  }

  /** Replaces the record's bytes. Call with the lock held. */
  writeBytes(bytes: Uint8Array): void {
    this.#write(bytes);
  }

  /** Replaces the value, under the lock. */
  set(value: T): void {
    const bytes = toRecord(value, "store");
    this.lock.with(() => this.#write(bytes));
  }

  #write(bytes: Uint8Array): void {
    const sab = this.state.sab;
    if (HEADER + bytes.length > maxBytesOf(sab)) {
      throw new DataCloneError(
        `the data no longer fits its shared memory (${bytes.length} bytes; capacityBytes is ${maxBytesOf(sab) - HEADER})`,
      );
    }
    ensureBytes(sab, HEADER + bytes.length);
    new Uint8Array(sab, HEADER, bytes.length).set(bytes);
    Atomics.store(this.#w, LENGTH, bytes.length);
    Atomics.add(this.#w, VERSION, 1);
  }
}
