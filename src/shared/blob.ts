/**
 * Plain data kept in shared memory as one structured-clone record, in a
 * growable SharedArrayBuffer, changed only under its lock: the storage of
 * SharedList and SharedDict (and the check of what may be stored).
 */
import { deserialize, serialize } from "v8";
import { DataCloneError } from "../errors";
import { Lock, type LockState } from "../sync/lock";
import { isShareable } from "../transport/handles";

const VERSION = 0;
const LENGTH = 1;
const HEADER = 8;

/** Refuses what cannot be stored as plain data, saying what it was. */
export function toRecord(value: unknown, where: string): Uint8Array {
  const walk = (v: unknown): void => {
    if (isShareable(v)) throw new DataCloneError(`${where}: a threadlab object cannot be stored here yet; share it by name or pass it in args`);
    if (typeof v === "function") throw new DataCloneError(`${where}: a function cannot be stored (${v.name || "anonymous"}); store plain data`);
    if (typeof v === "symbol") throw new DataCloneError(`${where}: a symbol cannot be stored`);
    if (v && typeof v === "object") {
      const parts = Array.isArray(v) ? v : v instanceof Map ? [...v.keys(), ...v.values()] : v instanceof Set ? [...v] : Object.values(v);
      for (const x of parts) walk(x);
    }
  };
  walk(value);
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
    const Growable = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
    return new SharedBlob<T>({ sab: new Growable(HEADER, { maxByteLength: HEADER + maxBytes }), lock: { sab: new SharedArrayBuffer(4), offset: 0 } }, initial);
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

  #write(bytes: Uint8Array): void {
    const sab = this.state.sab as SharedArrayBuffer & { grow(n: number): void; maxByteLength: number };
    if (HEADER + bytes.length > sab.maxByteLength) {
      throw new DataCloneError(`the data no longer fits its shared memory (${bytes.length} bytes; capacityBytes is ${sab.maxByteLength - HEADER})`);
    }
    if (sab.byteLength < HEADER + bytes.length) sab.grow(HEADER + bytes.length);
    new Uint8Array(sab, HEADER, bytes.length).set(bytes);
    Atomics.store(this.#w, LENGTH, bytes.length);
    Atomics.add(this.#w, VERSION, 1);
  }
}
