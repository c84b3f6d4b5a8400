/**
 * `Queue`, `LifoQueue`, `PriorityQueue` and `SimpleQueue`, as Python's
 * `queue` module (3.13, with `shutdown`), shared by every thread.
 *
 * Built as CPython's: one mutex and three Conditions on it (not empty, not
 * full, all tasks done). Items live in shared memory as structured-clone
 * records (v8.serialize), so a `get()` in any thread receives its own copy of
 * what was put. Records are kept in order in one byte area: FIFO takes the
 * first, LIFO the last, the priority queue the smallest.
 */
import { DataCloneError, Empty, Full, ShutDown, ValueError, argError } from "../errors";
import { Condition } from "../sync/condition";
import { Lock } from "../sync/lock";
import { checkTimeout, deadline, secondsLeft } from "../sync/wait";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { decodeFromBytes, encodeToBytes } from "../transport/copy";

export { Empty, Full, ShutDown };

const USED = 0; // bytes of records
const COUNT = 1;
const UNFINISHED = 2;
const IS_SHUTDOWN = 3;
const MAXSIZE = 4;
const KIND = 5;
const HEADER = 8 * 4;
const TAG_V8 = 0;
const TAG_NUMBER = 1;
const TAG_STRING = 2;
const TAG_NULL = 3;
const TAG_UNDEFINED = 4;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const SPIN = 2000;
const FIFO = 0;
const LIFO = 1;
const PRIORITY = 2;

/** Queue options beyond Python's. */
export interface QueueOptions {
  /** Bytes of shared memory for the items (serialized). @default 1048576 */
  capacityBytes?: number;
}

interface QueueState {
  sab: SharedArrayBuffer;
  mutex: Handle;
  notEmpty: Handle;
  notFull: Handle;
  allDone: Handle;
}

/** Python's ordering for the priority queue: numbers, strings, and arrays (tuples) element by element. */
export function pyCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = pyCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint"))
    return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new TypeError(`'<' not supported between ${typeof a} and ${typeof b} items in a PriorityQueue`);
}

export class Queue<T = unknown> {
  readonly #w: Int32Array;
  readonly #bytes: Uint8Array;
  #view!: DataView;
  readonly #mutex: Lock;
  readonly #notEmpty: Condition;
  readonly #notFull: Condition;
  readonly #allDone: Condition;

  /**
   * @param maxsize at most this many items; 0 or less means no limit. @default 0
   */
  constructor(maxsize = 0, options: QueueOptions = {}, state?: QueueState) {
    if (state) {
      this.#w = new Int32Array(state.sab, 0, 8);
      this.#bytes = new Uint8Array(state.sab, HEADER);
      this.#view = new DataView(state.sab, HEADER);
      this.#mutex = revive(state.mutex) as Lock;
      this.#notEmpty = revive(state.notEmpty) as Condition;
      this.#notFull = revive(state.notFull) as Condition;
      this.#allDone = revive(state.allDone) as Condition;
      return;
    }
    if (typeof maxsize !== "number" || !Number.isInteger(maxsize))
      throw argError(`${new.target.name}()`, "maxsize", "a whole number", maxsize);
    const cap = options.capacityBytes ?? 1 << 20;
    if (!Number.isInteger(cap) || cap < 64)
      throw argError(`${new.target.name}()`, "capacityBytes", "a whole number of at least 64", cap);
    const sab = new SharedArrayBuffer(HEADER + cap);
    this.#w = new Int32Array(sab, 0, 8);
    this.#bytes = new Uint8Array(sab, HEADER);
    this.#view = new DataView(sab, HEADER);
    Atomics.store(this.#w, MAXSIZE, Math.max(0, maxsize));
    Atomics.store(this.#w, KIND, this.kind());
    this.#mutex = new Lock();
    this.#notEmpty = new Condition(this.#mutex);
    this.#notFull = new Condition(this.#mutex);
    this.#allDone = new Condition(this.#mutex);
  }

  /** @internal */
  protected kind(): number {
    return FIFO;
  }

  /** The number of items now (approximate, as in Python, once other threads run). */
  qsize(): number {
    return Atomics.load(this.#w, COUNT);
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    const max = Atomics.load(this.#w, MAXSIZE);
    return max > 0 && this.qsize() >= max;
  }

  get maxsize(): number {
    return Atomics.load(this.#w, MAXSIZE);
  }

  /**
   * Puts `item` in the queue. If it is full: waits for a free place (at most
   * `timeout` **seconds**), or with `block = false` throws `Full` at once.
   * @throws {Full} when no place became free in time.
   * @throws {ShutDown} after `shutdown()`.
   * @throws {DataCloneError} for items that cannot be copied (functions, threadlab objects).
   */
  put(item: T, block = true, timeout: number | null = null): void {
    const record = this.#encode(item);
    if (record.length + 4 > this.#bytes.length) {
      throw new ValueError(
        `item too large for this queue's memory (${record.length} bytes; capacityBytes is ${this.#bytes.length})`,
      );
    }
    const end = this.#deadline(block, timeout);
    this.#mutex.acquire();
    try {
      if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
      while (this.full() || Atomics.load(this.#w, USED) + record.length + 4 > this.#bytes.length) {
        if (!block) throw new Full();
        // As in get(): a consumer in step frees a place within microseconds.
        this.#mutex.release();
        for (let n = 0; n < SPIN && this.full() && !Atomics.load(this.#w, IS_SHUTDOWN); n++);
        this.#mutex.acquire();
        if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
        if (!this.full() && Atomics.load(this.#w, USED) + record.length + 4 <= this.#bytes.length) break;
        if (!this.#waitOn(this.#notFull, end)) throw new Full();
        if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
      }
      const used = Atomics.load(this.#w, USED);
      this.#view.setUint32(used, record.length, true);
      this.#bytes.set(record, used + 4);
      Atomics.store(this.#w, USED, used + 4 + record.length);
      Atomics.add(this.#w, COUNT, 1);
      Atomics.add(this.#w, UNFINISHED, 1);
      this.#notEmpty.notifyHeld(1);
    } finally {
      this.#mutex.release();
    }
  }

  /**
   * Removes and returns an item. If the queue is empty: waits for one (at most
   * `timeout` **seconds**), or with `block = false` throws `Empty` at once.
   * @throws {Empty} when no item came in time.
   * @throws {ShutDown} after `shutdown()` once the queue is empty (at once after `shutdown(true)`).
   */
  get(block = true, timeout: number | null = null): T {
    const end = this.#deadline(block, timeout);
    this.#mutex.acquire();
    try {
      while (Atomics.load(this.#w, COUNT) === 0) {
        if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
        if (!block) throw new Empty();
        // A producer in step with us puts the next item within microseconds: look for it a moment
        // with the lock released before queueing on the condition (a futex sleep and wake-up).
        this.#mutex.release();
        for (let n = 0; n < SPIN && Atomics.load(this.#w, COUNT) === 0 && !Atomics.load(this.#w, IS_SHUTDOWN); n++);
        this.#mutex.acquire();
        if (Atomics.load(this.#w, COUNT) > 0) break;
        if (!this.#waitOn(this.#notEmpty, end)) throw new Empty();
      }
      const item = this.#take();
      this.#notFull.notifyHeld(1);
      return item;
    } finally {
      this.#mutex.release();
    }
  }

  /** `put(item, false)`. */
  putNowait(item: T): void {
    this.put(item, false);
  }

  /** `get(false)`. */
  getNowait(): T {
    return this.get(false);
  }

  /**
   * Marks one item taken with `get()` as done; `join()` returns when every item put has been marked.
   * @throws {ValueError} "task_done() called too many times".
   */
  taskDone(): void {
    this.#allDone.with(() => {
      const left = Atomics.load(this.#w, UNFINISHED) - 1;
      if (left < 0) throw new ValueError("task_done() called too many times");
      Atomics.store(this.#w, UNFINISHED, left);
      if (left === 0) this.#allDone.notifyAll();
    });
  }

  /** Blocks until every item put has been got and marked with `taskDone()`. */
  join(): void {
    this.#allDone.with(() => {
      while (Atomics.load(this.#w, UNFINISHED) > 0) this.#allDone.wait();
    });
  }

  /**
   * Shuts the queue down: `put()` throws `ShutDown`; `get()` throws it once the
   * queue is empty. With `immediate`, the items left are dropped (and counted
   * done) and `get()` throws at once. Threads blocked in put/get wake up.
   */
  shutdown(immediate = false): void {
    this.#mutex.with(() => {
      Atomics.store(this.#w, IS_SHUTDOWN, 1);
      if (immediate) {
        while (Atomics.load(this.#w, COUNT) > 0) {
          this.#take();
          const left = Atomics.load(this.#w, UNFINISHED);
          if (left > 0) Atomics.store(this.#w, UNFINISHED, left - 1);
        }
        this.#allDone.notifyAll();
      }
      this.#notEmpty.notifyAll();
      this.#notFull.notifyAll();
    });
  }

  #deadline(block: boolean, timeout: number | null): number {
    if (typeof block !== "boolean") throw argError("put()/get()", "block", "a boolean", block);
    if (timeout === null || timeout === undefined || !block) return Infinity;
    if (typeof timeout === "number" && timeout < 0) throw new ValueError("'timeout' must be a non-negative number");
    return deadline(checkTimeout("put()/get()", timeout));
  }

  /** Waits on `cond` until notified or `end`; returns false if `end` passed. */
  #waitOn(cond: Condition, end: number): boolean {
    const left = secondsLeft(end);
    if (left === 0) return false;
    cond.wait(left);
    return true;
  }

  #encode(item: T): Uint8Array {
    // Fast paths for the common items (numbers, short strings, null): a tag byte and the value.
    if (typeof item === "number") {
      const rec = new Uint8Array(9);
      rec[0] = TAG_NUMBER;
      new DataView(rec.buffer).setFloat64(1, item, true);
      return rec;
    }
    if (typeof item === "string" && item.length < 4096) {
      const body = textEncoder.encode(item);
      const rec = new Uint8Array(1 + body.length);
      rec[0] = TAG_STRING;
      rec.set(body, 1);
      return rec;
    }
    if (item === null || item === undefined) return Uint8Array.of(item === null ? TAG_NULL : TAG_UNDEFINED);
    if (typeof item === "function") {
      throw new DataCloneError(`cannot put a function in a queue: ${(item as { name?: string }).name || "anonymous function"}`);
    }
    // Anything else as it crosses to a thread: threadlab objects and the user's objects shared, data a copy with its identity.
    const body = encodeToBytes(item, "the item put in the queue");
    const rec = new Uint8Array(1 + body.length);
    rec[0] = TAG_V8;
    rec.set(body, 1);
    return rec;
  }

  #decodeRecord(at: number, length: number): T {
    const tag = this.#bytes[at];
    if (tag === TAG_NUMBER) return this.#view.getFloat64(at + 1, true) as T;
    if (tag === TAG_STRING) return textDecoder.decode(this.#bytes.slice(at + 1, at + length)) as T;
    if (tag === TAG_NULL) return null as T;
    if (tag === TAG_UNDEFINED) return undefined as T;
    return decodeFromBytes(this.#bytes.slice(at + 1, at + length), true, "the item got from the queue") as T;
  }

  /** Removes the record this kind of queue takes next; the mutex is held. */
  #take(): T {
    const used = Atomics.load(this.#w, USED);
    const view = this.#view;
    const kind = Atomics.load(this.#w, KIND);
    let at = 0;
    let length = view.getUint32(0, true);
    let item = this.#decodeRecord(4, length);
    if (kind !== FIFO) {
      // LIFO takes the last record, the priority queue the smallest: walk them all.
      for (let next = 4 + length; next < used;) {
        const len = view.getUint32(next, true);
        if (kind === LIFO) {
          at = next;
          length = len;
        } else {
          const other = this.#decodeRecord(next + 4, len);
          if (pyCompare(other, item) < 0) {
            item = other;
            at = next;
            length = len;
          }
        }
        next += 4 + len;
      }
      if (kind === LIFO) item = this.#decodeRecord(at + 4, length);
    }
    const size = 4 + length;
    this.#bytes.copyWithin(at, at + size, used);
    Atomics.store(this.#w, USED, used - size);
    Atomics.sub(this.#w, COUNT, 1);
    return item;
  }

  toString(): string {
    return `<${this.constructor.name} maxsize=${this.maxsize} qsize=${this.qsize()}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    const state: QueueState = {
      sab: this.#w.buffer as SharedArrayBuffer,
      mutex: this.#mutex[HANDLE](),
      notEmpty: this.#notEmpty[HANDLE](),
      notFull: this.#notFull[HANDLE](),
      allDone: this.#allDone[HANDLE](),
    };
    return { type: this.constructor.name, state };
  }
}

/** Last in, first out. */
export class LifoQueue<T = unknown> extends Queue<T> {
  protected override kind(): number {
    return LIFO;
  }
}

/** Smallest first, by Python's ordering (put `[priority, item]` pairs). */
export class PriorityQueue<T = unknown> extends Queue<T> {
  protected override kind(): number {
    return PRIORITY;
  }
}

/** An unbounded FIFO queue without task tracking (Python's SimpleQueue). */
export class SimpleQueue<T = unknown> extends Queue<T> {
  constructor(options: QueueOptions = {}, state?: QueueState) {
    super(0, options, state);
  }
}

for (const [name, Cls] of [
  ["Queue", Queue],
  ["LifoQueue", LifoQueue],
  ["PriorityQueue", PriorityQueue],
] as const) {
  registerHandleType(name, (s) => new Cls(0, {}, s as QueueState));
}
registerHandleType("SimpleQueue", (s) => new SimpleQueue({}, s as QueueState));
