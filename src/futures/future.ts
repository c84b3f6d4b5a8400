/**
 * `Future`, as `concurrent.futures.Future`: the result of a call that runs in
 * another thread. Its state and its result live in one growable shared
 * buffer; the result travels by structured clone (v8.serialize), written by
 * the thread that ran the call and read by whichever thread asks.
 */
import { CancelledError, DataCloneError, TimeoutError, argError, reviveError, takesNoArguments } from "../errors";
import { checkTimeout, deadline, remaining, waitWord } from "../sync/wait";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { v8 } from "../state/builtins";
import { decodeFromBytes, encodeToBytes } from "../transport/copy";
import { ensureBytes, growableBuffer } from "../shared/growable";

export { CancelledError, TimeoutError };

export const PENDING = 0;
export const RUNNING = 1;
export const CANCELLED = 2;
export const FINISHED = 3;

const STATE = 0;
const LENGTH = 1;
const IS_ERROR = 2;
const HEADER = 16;
const MAX_RESULT = 64 * 1024 * 1024; // reserved address space only; pages are used as the result needs

/** The memory for the next Future to be built on (a handle's, a job's); module-private, so user code cannot pass one. */
let building: SharedArrayBuffer | undefined;

/** @internal The Future whose state and result live in `sab` (another thread's). */
export function futureOn<T = unknown>(sab: SharedArrayBuffer): Future<T> {
  building = sab;
  try {
    return new Future<T>();
  } finally {
    building = undefined;
  }
}

export class Future<T = unknown> {
  /** @internal */ readonly sab: SharedArrayBuffer;
  readonly #w: Int32Array;
  readonly #callbacks: Array<(f: Future<any>) => void> = [];
  #watching = false;
  #retrieved = false;

  /** A pending Future (as Python's, executors make them; `new Future()` is for tests and your own code). */
  constructor(...args: []) {
    const sab = building;
    building = undefined;
    if (args.length > 0) throw takesNoArguments("Future()", args.length);
    // Growable: the result is written by whichever thread runs the call.
    this.sab = sab ?? growableBuffer(HEADER, HEADER + MAX_RESULT);
    this.#w = new Int32Array(this.sab, 0, 4);
  }

  /** @internal */
  get state(): number {
    return Atomics.load(this.#w, STATE);
  }

  /** Cancels the call if it has not started; returns whether the future is cancelled. */
  cancel(): boolean {
    const s = Atomics.compareExchange(this.#w, STATE, PENDING, CANCELLED);
    if (s === PENDING) {
      Atomics.notify(this.#w, STATE);
      this.#runCallbacks();
      return true;
    }
    return s === CANCELLED;
  }

  cancelled(): boolean {
    return this.state === CANCELLED;
  }

  running(): boolean {
    return this.state === RUNNING;
  }

  /** Whether the call finished or was cancelled. */
  done(): boolean {
    const s = this.state;
    return s === CANCELLED || s === FINISHED;
  }

  /**
   * The call's return value, waiting for it at most `timeout` **seconds** (none: no limit).
   * @throws the call's own error, if it threw.
   * @throws {CancelledError} if the future was cancelled.
   * @throws {TimeoutError} if it did not finish in time.
   */
  result(timeout?: number | null): T {
    this.#wait(timeout);
    if (this.state === CANCELLED) throw new CancelledError();
    this.#retrieved = true;
    const value = this.#read();
    if (Atomics.load(this.#w, IS_ERROR)) throw value;
    return value as T;
  }

  /** The error the call threw, or null; waits as `result()` does. */
  exception(timeout?: number | null): unknown {
    this.#wait(timeout);
    if (this.state === CANCELLED) throw new CancelledError();
    this.#retrieved = true;
    return Atomics.load(this.#w, IS_ERROR) ? this.#read() : null;
  }

  /**
   * @internal The error of a call that threw, if nobody has asked this Future for it (result() or
   * exception()): an executor says so when it shuts down, as asyncio does for an unretrieved exception.
   */
  unretrievedException(): Error | undefined {
    if (this.#retrieved || this.state !== FINISHED || !Atomics.load(this.#w, IS_ERROR)) return undefined;
    return this.#read() as Error;
  }

  /**
   * Calls `fn(future)` when the future is done (at once if it is). It runs in
   * this thread, on its event loop (or at once if already done).
   */
  addDoneCallback(fn: (f: Future<T>) => void): void {
    if (typeof fn !== "function") throw argError("addDoneCallback()", "fn", "a function", fn);
    if (this.done()) {
      fn(this);
      return;
    }
    this.#callbacks.push(fn);
    if (!this.#watching) {
      this.#watching = true;
      void this.#watch();
    }
  }

  async #watch(): Promise<void> {
    for (let s = this.state; s === PENDING || s === RUNNING; s = this.state) {
      const r = Atomics.waitAsync(this.#w, STATE, s);
      if (r.async) await r.value;
    }
    this.#runCallbacks();
  }

  #runCallbacks(): void {
    for (const fn of this.#callbacks.splice(0)) {
      try {
        fn(this);
      } catch (err) {
        process.stderr.write(`exception calling callback for ${String(this)}\n${(err as Error)?.stack ?? String(err)}\n`);
      }
    }
  }

  #wait(timeout?: number | null): void {
    const end = deadline(checkTimeout("result()", timeout, true));
    for (let s = this.state; s === PENDING || s === RUNNING; s = this.state) {
      const left = remaining(end);
      if (left === 0) throw new TimeoutError();
      waitWord(this.#w, STATE, s, left);
    }
  }

  #read(): unknown {
    const len = Atomics.load(this.#w, LENGTH);
    const bytes = new Uint8Array(this.sab, HEADER, len).slice();
    if (Atomics.load(this.#w, IS_ERROR))
      return reviveError(v8().deserialize(bytes) as { name: string; message: string; stack?: string });
    // The result crosses as anything crosses to a thread: shared objects the same, data a frozen copy.
    return decodeFromBytes(bytes, true, "the result");
  }

  /** @internal The running thread claims the call; false if it was cancelled first. */
  setRunningOrNotifyCancel(): boolean {
    return Atomics.compareExchange(this.#w, STATE, PENDING, RUNNING) === PENDING;
  }

  /** @internal */
  setResult(value: unknown): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeToBytes(value, "the result");
    } catch (err) {
      this.setException(new DataCloneError(`the result cannot be sent back: ${(err as Error).message}`));
      return;
    }
    this.#finish(bytes, false);
  }

  /** @internal */
  setException(err: unknown): void {
    const e =
      err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { name: "Error", message: String(err) };
    this.#finish(v8().serialize(e), true);
  }

  #finish(bytes: Uint8Array, isError: boolean): void {
    if (bytes.length > MAX_RESULT) {
      bytes = v8().serialize({ name: "DataCloneError", message: `the result is too large to send back (${bytes.length} bytes)` });
      isError = true;
    }
    ensureBytes(this.sab, HEADER + bytes.length);
    new Uint8Array(this.sab, HEADER, bytes.length).set(bytes);
    Atomics.store(this.#w, LENGTH, bytes.length);
    Atomics.store(this.#w, IS_ERROR, isError ? 1 : 0);
    Atomics.store(this.#w, STATE, FINISHED);
    Atomics.notify(this.#w, STATE);
  }

  toString(): string {
    const names = ["pending", "running", "cancelled", "finished"];
    return `<Future state=${names[this.state]}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    return { type: "Future", state: this.sab };
  }
}

registerHandleType("Future", (sab) => futureOn(sab as SharedArrayBuffer));
