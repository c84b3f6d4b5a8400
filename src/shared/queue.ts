/**
 * `Queue`, `LifoQueue`, `PriorityQueue` and `SimpleQueue`, as Python's
 * `queue` module (3.13, with `shutdown`), shared by every thread.
 *
 * Built as CPython's: one mutex and three Conditions on it (not empty, not
 * full, all tasks done). Items live in shared memory as structured-clone
 * records (v8.serialize), so a `get()` in any thread receives its own copy of
 * what was put. put and get are O(1) amortized whatever the backlog (the
 * priority queue: O(log n), as heapq):
 *
 * - the records sit in one byte area, appended at its end. FIFO takes the
 *   first (a head offset moves on); LIFO the last (each record also ends with
 *   its length, to find the one before); the priority queue the smallest,
 *   through a binary heap of record offsets (CPython's heapq), each record
 *   knowing its place in the heap so that moving records can update it.
 * - bytes of taken records (FIFO's head, the priority queue's holes) are
 *   reclaimed when the area is full and there are at least as many of them as
 *   of live records: the live ones move down, a cost paid for by the gets that
 *   freed as many bytes. The area (a growable buffer reserved at twice the
 *   queue's capacityBytes) grows otherwise; twice is enough that a record
 *   always fits once the live records plus it fit capacityBytes.
 */
import { DataCloneError, Empty, Full, OverflowError, ShutDown, ValueError, argError, checkOptions, takesAtMost } from "../errors";
import { Condition } from "../sync/condition";
import { Lock, syncName } from "../sync/lock";
import { WAIT } from "../state/waits";
import { checkTimeout, deadline, secondsLeft } from "../sync/wait";
import { HANDLE, registerHandleType, revive, type Handle } from "../state/handle";
import { spinSite, spinUntil } from "../state/spin";
import { decodeFromBytes, encodeToBytes } from "../transport/copy";
import { ensureBytes, growableBuffer } from "./growable";
import { traceWait, waitDone } from "../state/trace";

/** Where put() and get() spin for the other side (state/spin.ts). */
const PUT_SPIN = spinSite();
const GET_SPIN = spinSite();

export { Empty, Full, ShutDown };

// Header words (Int32), then maxsize (a Float64 at byte MAXSIZE_AT: Python's maxsize is any int).
const START = 0; // offset of the first record still in the area (FIFO: the next one to get)
const END = 1; // offset where the next record goes
const LIVE = 2; // bytes of the records queued now (capacityBytes bounds these)
const DEAD = 3; // bytes of records already taken that still lie between START and END
const COUNT = 4;
const UNFINISHED = 5;
const IS_SHUTDOWN = 6;
const KIND = 7;
const CAPACITY = 8;
const MAXSIZE_AT = 48;
const HEADER_BYTES = 56;
const TAG_V8 = 0;
const TAG_NUMBER = 1;
const TAG_STRING = 2;
const TAG_NULL = 3;
const TAG_UNDEFINED = 4;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const FIFO = 0;
const LIFO = 1;
const PRIORITY = 2;
/** A priority record's heap slot once it has been taken. */
const TAKEN = -1;
const INITIAL_BYTES = 4096;
const DEFAULT_CAPACITY = 64 * 1024 * 1024;
const MAX_CAPACITY = 2 ** 30 - 1; // so that twice it, the most the area grows to, fits the int32 offsets

/** Queue options beyond Python's. */
export interface QueueOptions {
  /**
   * Most bytes of shared memory the queued items may take (serialized). It is address space reserved
   * up front; memory is used as the backlog grows. @default 67108864 (64 MiB)
   */
  capacityBytes?: number;
  /** The name dumpThreads() shows for a thread waiting on it. @default "Queue#N" */
  name?: string;
}

interface QueueState {
  header: SharedArrayBuffer;
  data: SharedArrayBuffer;
  heap: SharedArrayBuffer | null;
  mutex: Handle;
  notEmpty: Handle;
  notFull: Handle;
  allDone: Handle;
}

/** The state for the next queue to be built on (a handle's); module-private, so user code cannot pass one. */
let building: QueueState | undefined;

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
  readonly #maxsize: number;
  readonly #kind: number;
  /** Bytes before a record's payload, and after it (LIFO's copy of the length). */
  readonly #head: number;
  readonly #tail: number;
  readonly #data: SharedArrayBuffer;
  readonly #heapBuffer: SharedArrayBuffer | null;
  // Fixed-length views, made again when another thread has grown the buffer (length-tracking views are slow).
  #bytes!: Uint8Array;
  #view!: DataView;
  #heap: Uint32Array | null = null;
  readonly #mutex: Lock;
  readonly #notEmpty: Condition;
  readonly #notFull: Condition;
  readonly #allDone: Condition;

  /**
   * @param maxsize at most this many items; 0 or less means no limit. @default 0
   * @param options.capacityBytes most shared memory the queued items may take. @default 64 MiB
   */
  constructor(maxsize = 0, options?: QueueOptions, ...rest: []) {
    const state = building;
    building = undefined;
    const where = `${new.target.name}()`;
    if (state) {
      this.#w = new Int32Array(state.header, 0, MAXSIZE_AT / 4);
      this.#data = state.data;
      this.#heapBuffer = state.heap;
      this.#mutex = revive(state.mutex) as Lock;
      this.#notEmpty = revive(state.notEmpty) as Condition;
      this.#notFull = revive(state.notFull) as Condition;
      this.#allDone = revive(state.allDone) as Condition;
    } else {
      if (rest.length > 0) throw takesAtMost(where, 2, 2 + rest.length);
      if (typeof maxsize !== "number" || !Number.isInteger(maxsize)) throw argError(where, "maxsize", "a whole number", maxsize);
      const opts = checkOptions<QueueOptions>(where, options, ["capacityBytes", "name"]);
      const cap = opts.capacityBytes ?? DEFAULT_CAPACITY;
      if (typeof cap !== "number" || !Number.isInteger(cap) || cap < 64)
        throw argError(where, "capacityBytes", "a whole number of at least 64", cap);
      if (cap > MAX_CAPACITY) throw new OverflowError(`${where} capacityBytes ${cap} is too large (at most ${MAX_CAPACITY})`);
      const header = new SharedArrayBuffer(HEADER_BYTES);
      this.#w = new Int32Array(header, 0, MAXSIZE_AT / 4);
      new Float64Array(header, MAXSIZE_AT, 1)[0] = Math.max(0, maxsize);
      const kind = this.kind();
      Atomics.store(this.#w, KIND, kind);
      Atomics.store(this.#w, CAPACITY, cap);
      this.#data = growableBuffer(Math.min(INITIAL_BYTES, 2 * cap), 2 * cap);
      // A priority record takes at least 8 + 1 bytes: the heap never holds more than cap / 9 offsets.
      const heapMax = 4 * (Math.floor(cap / 9) + 1);
      this.#heapBuffer = kind === PRIORITY ? growableBuffer(Math.min(INITIAL_BYTES, heapMax), heapMax) : null;
      const name = syncName(where, new.target.name, { name: opts.name });
      this.#mutex = new Lock({ name: `${name}.mutex` });
      this.#notEmpty = new Condition(this.#mutex, { name }).labelled(WAIT.QUEUE_GET, name);
      this.#notFull = new Condition(this.#mutex, { name }).labelled(WAIT.QUEUE_PUT, name);
      this.#allDone = new Condition(this.#mutex, { name }).labelled(WAIT.CONDITION, `${name}.join()`);
    }
    this.#maxsize = new Float64Array(this.#w.buffer, MAXSIZE_AT, 1)[0];
    this.#kind = Atomics.load(this.#w, KIND);
    this.#head = this.#kind === PRIORITY ? 8 : 4;
    this.#tail = this.#kind === LIFO ? 4 : 0;
    this.#views();
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
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * Puts `item` in the queue. If it is full: waits for a free place (at most
   * `timeout` **seconds**), or with `block = false` throws `Full` at once.
   * @throws {Full} when no place became free in time.
   * @throws {ShutDown} after `shutdown()`.
   * @throws {DataCloneError} for items that cannot be copied (functions, threadlab objects).
   */
  put(item: T, block = true, timeout: number | null = null): void {
    const end = this.#deadline("put()", block, timeout);
    const record = this.#encode(item);
    const size = this.#head + record.length + this.#tail;
    const cap = Atomics.load(this.#w, CAPACITY);
    if (size > cap) {
      throw new ValueError(`item too large for this queue's memory (${record.length} bytes; capacityBytes is ${cap})`);
    }
    const noRoom = () => this.full() || Atomics.load(this.#w, LIVE) + size > cap;
    this.#mutex.acquire();
    try {
      if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
      while (noRoom()) {
        if (!block) throw new Full();
        // As in get(): a consumer in step frees a place within microseconds.
        this.#mutex.release();
        spinUntil(() => !noRoom() || Atomics.load(this.#w, IS_SHUTDOWN) !== 0, PUT_SPIN);
        this.#mutex.acquire();
        if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
        if (!noRoom()) break;
        if (!this.#waitOn(this.#notFull, end)) throw new Full();
        if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
      }
      this.#store(item, record, size);
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
    const end = this.#deadline("get()", block, timeout);
    this.#mutex.acquire();
    try {
      while (Atomics.load(this.#w, COUNT) === 0) {
        if (Atomics.load(this.#w, IS_SHUTDOWN)) throw new ShutDown();
        if (!block) throw new Empty();
        // A producer in step with us puts the next item within microseconds: look for it a moment
        // with the lock released before queueing on the condition (a futex sleep and wake-up).
        this.#mutex.release();
        spinUntil(() => Atomics.load(this.#w, COUNT) !== 0 || Atomics.load(this.#w, IS_SHUTDOWN) !== 0, GET_SPIN);
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
    if (typeof immediate !== "boolean") throw argError("shutdown()", "immediate", "a boolean", immediate);
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

  #deadline(where: string, block: unknown, timeout: unknown): number {
    if (typeof block !== "boolean") throw argError(where, "block", "a boolean", block);
    if (!block) return Infinity; // as in Python, a call that does not block ignores its timeout
    if (typeof timeout === "number" && timeout < 0) throw new ValueError("'timeout' must be a non-negative number");
    return deadline(checkTimeout(where, timeout));
  }

  /** Waits on `cond` until notified or `end`; returns false if `end` passed. */
  #waitOn(cond: Condition, end: number): boolean {
    const left = secondsLeft(end);
    if (left === 0) return false;
    traceWait("Queue", this, this.#data);
    return waitDone((cond.wait(left), true));
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

  /** The item in the record at `at` (its length word first). */
  #decodeAt(at: number): T {
    const length = this.#view.getUint32(at, true);
    const p = at + this.#head;
    const tag = this.#bytes[p];
    if (tag === TAG_NUMBER) return this.#view.getFloat64(p + 1, true) as T;
    if (tag === TAG_STRING) return textDecoder.decode(this.#bytes.slice(p + 1, p + length)) as T;
    if (tag === TAG_NULL) return null as T;
    if (tag === TAG_UNDEFINED) return undefined as T;
    return decodeFromBytes(this.#bytes.slice(p + 1, p + length), true, "the item got from the queue") as T;
  }

  /** Makes the views again if another thread has grown a buffer since they were made; the mutex is held. */
  #fresh(): void {
    if (this.#bytes.length !== this.#data.byteLength || (this.#heap && this.#heap.byteLength !== this.#heapBuffer!.byteLength))
      this.#views();
  }

  /** (Re)makes the views on the buffers at their size now; another thread may have grown them. */
  #views(): void {
    this.#bytes = new Uint8Array(this.#data, 0, this.#data.byteLength);
    this.#view = new DataView(this.#data, 0, this.#data.byteLength);
    if (this.#heapBuffer) this.#heap = new Uint32Array(this.#heapBuffer, 0, this.#heapBuffer.byteLength / 4);
  }

  /** Adds a record for `item` (`record`, `size` bytes in all); the mutex is held and there is room. */
  #store(item: T, record: Uint8Array, size: number): void {
    const w = this.#w;
    this.#fresh();
    if (Atomics.load(w, END) + size > this.#bytes.length) {
      // Reclaim the bytes of taken records once they are at least as many as the live ones (the move
      // then costs no more than the gets that freed them); else grow, up to twice capacityBytes.
      if (Atomics.load(w, DEAD) >= Atomics.load(w, LIVE)) this.#compact();
      const need = Atomics.load(w, END) + size;
      if (need > this.#bytes.length) {
        ensureBytes(this.#data, Math.min(Atomics.load(w, CAPACITY) * 2, Math.max(need, 2 * this.#bytes.length)));
        this.#views();
      }
    }
    const at = Atomics.load(w, END);
    const view = this.#view;
    view.setUint32(at, record.length, true);
    this.#bytes.set(record, at + this.#head);
    if (this.#kind === LIFO) view.setUint32(at + size - 4, record.length, true);
    Atomics.store(w, END, at + size);
    Atomics.add(w, LIVE, size);
    if (this.#kind === PRIORITY) this.#heapPush(at, item);
    Atomics.add(w, COUNT, 1);
  }

  /** Removes the record this kind of queue takes next and returns its item; the mutex is held. */
  #take(): T {
    const w = this.#w;
    this.#fresh();
    let at: number;
    let item: T;
    if (this.#kind === FIFO) {
      at = Atomics.load(w, START);
      item = this.#decodeAt(at);
    } else if (this.#kind === LIFO) {
      const end = Atomics.load(w, END);
      at = end - this.#view.getUint32(end - 4, true) - 8;
      item = this.#decodeAt(at);
    } else {
      at = this.#heap![0];
      item = this.#heapPop();
    }
    const size = this.#head + this.#view.getUint32(at, true) + this.#tail;
    Atomics.sub(w, LIVE, size);
    if (this.#kind === FIFO) {
      Atomics.store(w, START, at + size);
      Atomics.add(w, DEAD, size);
    } else if (this.#kind === LIFO) Atomics.store(w, END, at);
    else {
      this.#view.setInt32(at + 4, TAKEN, true);
      Atomics.add(w, DEAD, size);
    }
    if (Atomics.sub(w, COUNT, 1) === 1) {
      // Empty: the next record starts the area again.
      Atomics.store(w, START, 0);
      Atomics.store(w, END, 0);
      Atomics.store(w, DEAD, 0);
    }
    return item;
  }

  /** Moves the live records down over the taken ones (a priority record's heap entry follows it). */
  #compact(): void {
    const w = this.#w;
    const bytes = this.#bytes;
    const start = Atomics.load(w, START);
    const end = Atomics.load(w, END);
    if (this.#kind === PRIORITY) {
      const view = this.#view;
      const heap = this.#heap!;
      let to = 0;
      for (let at = start; at < end;) {
        const size = 8 + view.getUint32(at, true);
        const slot = view.getInt32(at + 4, true);
        if (slot !== TAKEN) {
          if (to !== at) bytes.copyWithin(to, at, at + size);
          heap[slot] = to;
          to += size;
        }
        at += size;
      }
      Atomics.store(w, END, to);
    } else {
      bytes.copyWithin(0, start, end);
      Atomics.store(w, END, end - start);
    }
    Atomics.store(w, START, 0);
    Atomics.store(w, DEAD, 0);
  }

  // ---- the priority queue's binary heap of record offsets (heapq's algorithms) ----

  /** Puts entry `i` of the heap at `at` (a record offset), and tells the record where it is. */
  #place(i: number, at: number): void {
    this.#heap![i] = at;
    this.#view.setInt32(at + 4, i, true);
  }

  /**
   * Adds the record at `at` (holding `item`) to the heap and sifts it up. If two items cannot be
   * compared (a TypeError, as Python's), every move is undone and the record stays out of the queue.
   */
  #heapPush(at: number, item: T): void {
    const n = Atomics.load(this.#w, COUNT);
    if ((n + 1) * 4 > this.#heapBuffer!.byteLength) {
      ensureBytes(this.#heapBuffer!, Math.max((n + 1) * 4, 2 * this.#heapBuffer!.byteLength));
      this.#views();
    }
    const heap = this.#heap!;
    this.#place(n, at);
    let i = n;
    try {
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (pyCompare(item, this.#decodeAt(heap[parent])) >= 0) break;
        this.#place(i, heap[parent]);
        this.#place(parent, at);
        i = parent;
      }
    } catch (err) {
      // Undo: walk back down the path the new record came up, then drop it from the area.
      for (let j = i; j < n;) {
        const child = this.#pathChild(j, n);
        const other = heap[child];
        this.#place(child, at);
        this.#place(j, other);
        j = child;
      }
      Atomics.store(this.#w, END, at);
      Atomics.sub(this.#w, LIVE, this.#head + this.#view.getUint32(at, true));
      throw err;
    }
  }

  /** The child of `j` on the way down to heap index `to` (which is below `j`). */
  #pathChild(j: number, to: number): number {
    let c = to;
    while ((c - 1) >> 1 !== j) c = (c - 1) >> 1;
    return c;
  }

  /**
   * Removes the smallest entry and returns its item: the last entry takes the root's place and sifts
   * down. If two items cannot be compared, every move is undone and the TypeError thrown, the queue as it was.
   */
  #heapPop(): T {
    const heap = this.#heap!;
    const n = Atomics.load(this.#w, COUNT);
    const root = heap[0];
    const item = this.#decodeAt(root);
    if (n === 1) return item;
    const last = heap[n - 1];
    const size = n - 1;
    this.#place(0, last);
    const moving = this.#decodeAt(last);
    const path: number[] = [];
    let i = 0;
    try {
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        let child = left;
        let childItem = this.#decodeAt(heap[left]);
        if (left + 1 < size) {
          const rightItem = this.#decodeAt(heap[left + 1]);
          if (pyCompare(rightItem, childItem) < 0) {
            child = left + 1;
            childItem = rightItem;
          }
        }
        if (pyCompare(childItem, moving) >= 0) break;
        this.#place(i, heap[child]);
        this.#place(child, last);
        path.push(i);
        i = child;
      }
    } catch (err) {
      for (let k = path.length - 1; k >= 0; k--) {
        const up = path[k];
        this.#place(i, heap[up]);
        this.#place(up, last);
        i = up;
      }
      this.#place(n - 1, last);
      this.#place(0, root);
      throw err;
    }
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
      header: this.#w.buffer as SharedArrayBuffer,
      data: this.#data,
      heap: this.#heapBuffer,
      mutex: this.#mutex[HANDLE](),
      notEmpty: this.#notEmpty[HANDLE](),
      notFull: this.#notFull[HANDLE](),
      allDone: this.#allDone[HANDLE](),
    };
    // A user's subclass crosses as the threadlab class it extends.
    const type =
      this instanceof SimpleQueue
        ? "SimpleQueue"
        : this.#kind === LIFO
          ? "LifoQueue"
          : this.#kind === PRIORITY
            ? "PriorityQueue"
            : "Queue";
    return { type, state };
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
  /** @param options.capacityBytes most shared memory the queued items may take. @default 64 MiB */
  constructor(options?: QueueOptions, ...rest: []) {
    if (rest.length > 0) throw takesAtMost("SimpleQueue()", 1, 1 + rest.length);
    super(0, options);
  }
}

for (const [name, Cls] of [
  ["Queue", Queue],
  ["LifoQueue", LifoQueue],
  ["PriorityQueue", PriorityQueue],
  ["SimpleQueue", SimpleQueue],
] as const) {
  registerHandleType(name, (s) => {
    building = s as QueueState;
    try {
      return new Cls();
    } finally {
      building = undefined;
    }
  });
}
