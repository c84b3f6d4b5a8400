/**
 * `Value` and `SharedArray`: numbers in shared memory that every thread sees,
 * as Python's `multiprocessing.Value` and `multiprocessing.Array`.
 *
 * Typecodes are those of Python's `array` module. A write that does not fit
 * the type throws (CPython's ctypes would wrap silently; a lost write is worse).
 */
import { IndexError, OverflowError, argError, takesAtMost } from "../errors";
import { lockOn, type Lock, type LockState } from "../sync/lock";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";

type TypedArrayCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

interface TypeInfo {
  ctor: TypedArrayCtor;
  int: boolean;
  big: boolean;
  min?: bigint;
  max?: bigint;
  lo?: number;
  hi?: number;
}

const TYPECODES: Record<string, TypeInfo> = {
  b: { ctor: Int8Array, int: true, big: false, min: -128n, max: 127n },
  B: { ctor: Uint8Array, int: true, big: false, min: 0n, max: 255n },
  h: { ctor: Int16Array, int: true, big: false, min: -32768n, max: 32767n },
  H: { ctor: Uint16Array, int: true, big: false, min: 0n, max: 65535n },
  i: { ctor: Int32Array, int: true, big: false, min: -2147483648n, max: 2147483647n },
  I: { ctor: Uint32Array, int: true, big: false, min: 0n, max: 4294967295n },
  l: { ctor: BigInt64Array, int: true, big: true, min: -(2n ** 63n), max: 2n ** 63n - 1n },
  L: { ctor: BigUint64Array, int: true, big: true, min: 0n, max: 2n ** 64n - 1n },
  q: { ctor: BigInt64Array, int: true, big: true, min: -(2n ** 63n), max: 2n ** 63n - 1n },
  Q: { ctor: BigUint64Array, int: true, big: true, min: 0n, max: 2n ** 64n - 1n },
  f: { ctor: Float32Array, int: false, big: false },
  d: { ctor: Float64Array, int: false, big: false },
};

for (const info of Object.values(TYPECODES)) {
  if (info.int) {
    info.lo = Number(info.min);
    info.hi = Number(info.max);
  }
}

export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d";
/** What a typecode holds: 64-bit integer codes hold bigint (JavaScript numbers are exact only to 2**53). */
export type ValueOf<T extends Typecode> = T extends "l" | "L" | "q" | "Q" ? bigint : number;

function typeInfo(where: string, typecode: unknown): TypeInfo {
  const info = typeof typecode === "string" ? TYPECODES[typecode] : undefined;
  if (!info) {
    if (typeof typecode !== "string") throw argError(where, "typecode", "a one-letter typecode string", typecode);
    throw new TypeError("bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f or d)");
  }
  return info;
}

/** Checks one element and converts it to what the typed array stores. */
function coerce(info: TypeInfo, typecode: string, x: unknown): number | bigint {
  // Fast path: a whole number in range for a 32-bit-or-smaller typecode (the common `v.value += 1`).
  if (typeof x === "number" && !info.big && (!info.int || (Number.isInteger(x) && x >= info.lo! && x <= info.hi!))) return x;
  if (info.int) {
    let n: bigint;
    if (typeof x === "bigint") n = x;
    else if (typeof x === "number" && Number.isInteger(x)) n = BigInt(x);
    else if (typeof x === "boolean") n = x ? 1n : 0n;
    else throw new TypeError(`typecode '${typecode}' holds integers, got ${typeof x === "number" ? x : typeof x}`);
    if (n < info.min! || n > info.max!) {
      throw new OverflowError(`${n} does not fit typecode '${typecode}' (${info.min} to ${info.max})`);
    }
    return info.big ? n : Number(n);
  }
  if (typeof x === "number") return x;
  if (typeof x === "bigint" || typeof x === "boolean") return Number(x);
  throw new TypeError(`typecode '${typecode}' holds numbers, got ${typeof x}`);
}

interface ValueState {
  typecode: Typecode;
  sab: SharedArrayBuffer;
  lock: LockState;
}

/** The state for the next Value or SharedArray to be built on (a handle's); module-private, so user code cannot pass one. */
let building: ValueState | ArrayState | undefined;

function revived<C>(state: unknown, make: (typecode: Typecode) => C): C {
  building = state as ValueState;
  try {
    return make(building.typecode);
  } finally {
    building = undefined;
  }
}

/**
 * One number in shared memory: `new Value("i", 0)`; read and write `.value`.
 * As in Python, `v.value += 1` is a read and then a write, not one atomic step:
 * hold `v.getLock()` around it when several threads update the same value.
 */
export class Value<T extends Typecode = Typecode> {
  /** @internal */ readonly #state: ValueState;
  readonly #array: Int32Array | Float64Array | BigInt64Array | Int8Array;
  readonly #info: TypeInfo;
  #lock?: Lock;

  constructor(typecode: T, value?: ValueOf<T> | number, ...rest: []) {
    const state = building;
    building = undefined;
    if (!state && rest.length > 0) throw takesAtMost("Value()", 2, 2 + rest.length);
    this.#info = typeInfo("Value()", state?.typecode ?? typecode);
    if (state) this.#state = state;
    else {
      const bytes = this.#info.ctor.BYTES_PER_ELEMENT;
      this.#state = {
        typecode,
        sab: new SharedArrayBuffer(Math.max(bytes, 4) + 4),
        lock: { sab: new SharedArrayBuffer(4), offset: 0 },
      };
    }
    this.#array = new this.#info.ctor(this.#state.sab as unknown as ArrayBuffer, 0, 1) as never;
    if (!state && value !== undefined) this.value = value as ValueOf<T>;
  }

  get typecode(): T {
    return this.#state.typecode as T;
  }

  /** The current value (an atomic read for integer typecodes). */
  get value(): ValueOf<T> {
    if (this.#info.int) return Atomics.load(this.#array as Int32Array, 0) as ValueOf<T>;
    return this.#array[0] as ValueOf<T>;
  }

  set value(x: ValueOf<T>) {
    const v = coerce(this.#info, this.#state.typecode, x);
    if (this.#info.int) Atomics.store(this.#array as Int32Array, 0, v as number);
    else this.#array[0] = v;
  }

  /** The lock that guards this value, as `multiprocessing.Value.get_lock()`. */
  getLock(): Lock {
    return (this.#lock ??= lockOn(this.#state.lock));
  }

  toString(): string {
    return `Value('${this.#state.typecode}', ${String(this.value)})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "Value", state: this.#state };
  }
}

registerHandleType("Value", (s) => revived(s, (typecode) => new Value(typecode)));

interface ArrayState extends ValueState {
  length: number;
}

/**
 * A fixed-length array of numbers in shared memory: `new SharedArray("d", 10)`
 * (ten zeros) or `new SharedArray("i", [1, 2, 3])`. Index it like an array:
 * `a[0] = 1`. Writing past the end throws `IndexError` instead of being ignored.
 */
export class SharedArray<T extends Typecode = Typecode> {
  [index: number]: ValueOf<T>;
  /** @internal */ readonly state!: ArrayState;
  readonly length!: number;
  readonly typecode!: T;

  constructor(typecode: T, sizeOrValues: number | ArrayLike<ValueOf<T> | number>, ...rest: []) {
    const state = building as ArrayState | undefined;
    building = undefined;
    if (!state && rest.length > 0) throw takesAtMost("SharedArray()", 2, 2 + rest.length);
    const info = typeInfo("SharedArray()", state?.typecode ?? typecode);
    let length: number;
    if (state) length = state.length;
    else if (typeof sizeOrValues === "number") {
      if (!Number.isInteger(sizeOrValues) || sizeOrValues < 0) {
        throw argError("SharedArray()", "size", "a non-negative whole number or an array of values", sizeOrValues);
      }
      length = sizeOrValues;
    } else if (sizeOrValues && typeof sizeOrValues === "object" && typeof sizeOrValues.length === "number") {
      length = sizeOrValues.length;
    } else {
      throw argError("SharedArray()", "size", "a non-negative whole number or an array of values", sizeOrValues);
    }
    const st: ArrayState = state ?? {
      typecode,
      length,
      sab: new SharedArrayBuffer(Math.max(4, length * info.ctor.BYTES_PER_ELEMENT)),
      lock: { sab: new SharedArrayBuffer(4), offset: 0 },
    };
    const array = new info.ctor(st.sab as unknown as ArrayBuffer, 0, length) as unknown as Array<number | bigint>;
    if (!state && typeof sizeOrValues !== "number") {
      for (let i = 0; i < length; i++) array[i] = coerce(info, typecode, sizeOrValues[i]);
    }
    Object.defineProperty(this, "state", { value: st });
    Object.defineProperty(this, "length", { value: length });
    Object.defineProperty(this, "typecode", { value: st.typecode });
    let lock: Lock | undefined;
    const show = () => `SharedArray('${st.typecode}', [${Array.from(array).join(", ")}])`;
    const methods: Record<string | symbol, unknown> = {
      getLock: () => (lock ??= lockOn(st.lock)),
      toArray: () => Array.from(array),
      toString: show,
      [Symbol.iterator]: () => (array as unknown as Iterable<number>)[Symbol.iterator](),
      [Symbol.for("nodejs.util.inspect.custom")]: show,
      [HANDLE]: (): Handle => ({ type: "SharedArray", state: st }),
    };
    const index = (key: string | symbol): number | undefined => {
      if (typeof key !== "string") return undefined;
      const n = Number(key);
      return Number.isInteger(n) && String(n) === key ? n : key === "-0" ? 0 : undefined;
    };
    return new Proxy(this, {
      get(target, key) {
        const i = index(key);
        if (i !== undefined) {
          const j = i < 0 ? i + length : i;
          if (j < 0 || j >= length) throw new IndexError("array index out of range");
          return array[j];
        }
        if (key in methods) return methods[key];
        return Reflect.get(target, key);
      },
      set(_target, key, x) {
        const i = index(key);
        if (i === undefined) throw new TypeError(`cannot set '${String(key)}' on a SharedArray: only its elements can change`);
        const j = i < 0 ? i + length : i;
        if (j < 0 || j >= length) throw new IndexError("array assignment index out of range");
        array[j] = coerce(info, st.typecode, x);
        return true;
      },
      has(target, key) {
        const i = index(key);
        return i !== undefined ? i >= 0 && i < length : key in methods || Reflect.has(target, key);
      },
      ownKeys: () => [...Array.from({ length }, (_, i) => String(i)), "length"],
      getOwnPropertyDescriptor(target, key) {
        const i = index(key);
        if (i !== undefined && i >= 0 && i < length)
          return { value: array[i], writable: true, enumerable: true, configurable: true };
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
  }

  /** The lock that guards this array, as `multiprocessing.Array.get_lock()`. */
  declare getLock: () => Lock;
  /** A plain copy of the current elements. */
  declare toArray: () => Array<ValueOf<T>>;
  /** `SharedArray('i', [1, 2, 3])`. */
  declare toString: () => string;
  declare [Symbol.iterator]: () => Iterator<ValueOf<T>>;
}

registerHandleType("SharedArray", (s) => revived(s, (typecode) => new SharedArray(typecode, 0)));
