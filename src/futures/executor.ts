/**
 * `ThreadPoolExecutor`, as `concurrent.futures.ThreadPoolExecutor`, with
 * `asCompleted` and `wait`.
 *
 * Up to `maxWorkers` threads (threadlab Threads, on pooled workers) serve one
 * executor. Each submitted call travels as source (with what it uses, as a
 * thread's target does) on a BroadcastChannel that all of the executor's
 * threads listen to; the first idle one to swing the call's Future from
 * PENDING to RUNNING runs it, so a call runs once, and a cancelled one never.
 * Threads start as work needs them (as CPython's do); a new thread is
 * listening before any call is sent to it.
 */
import { availableParallelism } from "os";
import { BroadcastChannel } from "worker_threads";
import { RuntimeError, ValueError, argError, checkOptions, takesAtMost } from "../errors";
import { checkTimeout, deadline, remaining, sleep } from "../sync/wait";
import { isPoolOwner } from "../state/buffers";
import { futexWait } from "../state/spin";
import { registerInternal } from "../transport/api";
import { encode } from "../transport/copy";
import { buildProgram, callerLookup, refuseDetachedMethod } from "../transport/programs";
import type { Program } from "../transport/resolve";
import { registerAtExit } from "../thread/atexit";
import { Thread } from "../thread/thread";
import { READY, IDLE, executorThread, type ExecutorMessage } from "./executor-thread";
import { CANCELLED, FINISHED, Future, TimeoutError } from "./future";

export interface ExecutorOptions {
  /** At most this many threads. @default min(32, cores + 4), as Python */
  maxWorkers?: number;
  /** Names threads `${prefix}_${n}`. @default "ThreadPoolExecutor-N" */
  threadNamePrefix?: string;
  /** Called in each new thread before it runs any call (travels as source). */
  initializer?: ((...args: any[]) => unknown) | null;
  initargs?: unknown[];
}

let executors = 0;
const live = new Set<ThreadPoolExecutor>();
let exitHook = false;

// The target of every executor thread is a library function the thread has itself: it travels by name.
registerInternal("__threadlab_executorThread", executorThread);

export class ThreadPoolExecutor {
  readonly maxWorkers: number;
  readonly #prefix: string;
  readonly #channel: BroadcastChannel;
  readonly #name: string;
  readonly #counters = new Int32Array(new SharedArrayBuffer(8));
  readonly #threads: Thread[] = [];
  readonly #pending = new Set<Future>();
  /** The futures submit() returned, until shutdown says which of them failed unseen. */
  readonly #submitted = new Set<Future>();
  readonly #init: { program: Program | null; args: unknown };
  #shutdown = false;

  constructor(options?: ExecutorOptions, ...rest: []) {
    if (rest.length > 0) throw takesAtMost("ThreadPoolExecutor()", 1, 1 + rest.length);
    options = checkOptions<ExecutorOptions>("ThreadPoolExecutor()", options, [
      "maxWorkers",
      "threadNamePrefix",
      "initializer",
      "initargs",
    ]);
    const cores = availableParallelism();
    const max = options.maxWorkers ?? Math.min(32, cores + 4);
    if (typeof max !== "number" || !Number.isInteger(max))
      throw argError("ThreadPoolExecutor()", "maxWorkers", "a whole number", max);
    if (max <= 0) throw new ValueError("max_workers must be greater than 0");
    if (options.initializer !== undefined && options.initializer !== null && typeof options.initializer !== "function") {
      throw new TypeError("initializer must be a callable");
    }
    if (options.threadNamePrefix !== undefined && typeof options.threadNamePrefix !== "string")
      throw argError("ThreadPoolExecutor()", "threadNamePrefix", "a string", options.threadNamePrefix);
    if (options.initargs !== undefined && !Array.isArray(options.initargs))
      throw argError("ThreadPoolExecutor()", "initargs", "an array of arguments", options.initargs);
    this.maxWorkers = max;
    const n = executors++;
    this.#prefix = options.threadNamePrefix || `ThreadPoolExecutor-${n}`;
    this.#name = `threadlab-executor-${process.pid}-${n}-${Math.random().toString(36).slice(2)}`;
    this.#channel = new BroadcastChannel(this.#name);
    (this.#channel as unknown as { unref(): void }).unref();
    const caller = callerLookup();
    this.#init = {
      program: options.initializer ? buildProgram(options.initializer as never, "the executor's initializer", caller) : null,
      args: encode(options.initargs ?? [], "initargs"),
    };
    live.add(this);
    if (!exitHook && isPoolOwner) {
      exitHook = true;
      // As Python does at exit: let every executor finish its work, so that the script then ends.
      registerAtExit(() => {
        for (const ex of live) ex.shutdown(true);
      });
    }
  }

  /**
   * Schedules `fn(...args)` to run in one of the executor's threads; returns its Future.
   * @throws {RuntimeError} "cannot schedule new futures after shutdown".
   */
  submit<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    if (this.#shutdown) throw new RuntimeError("cannot schedule new futures after shutdown");
    if (typeof fn !== "function") throw argError("submit()", "fn", "a function", fn);
    refuseDetachedMethod(fn, "submit()");
    const caller = callerLookup();
    const program = buildProgram(fn, `a call submitted to ${this.#prefix}`, caller);
    // The argument list is made here (no identity of its own); the arguments keep theirs.
    const encoded = encode(args, "the arguments of a submitted call", false);
    const future = new Future<Awaited<R>>();
    this.#pending.add(future);
    this.#submitted.add(future);
    this.#adjustThreads();
    this.#channel.postMessage({ type: "job", program, args: encoded, future: future.sab } satisfies ExecutorMessage);
    return future;
  }

  /**
   * Calls `fn` on every item (of several iterables, zipped) in the executor's threads;
   * returns the results in order, as they become available.
   * @param timeout seconds from this call within which every result must be ready.
   */
  *map<R>(fn: (...args: any[]) => R, ...iterables: Array<Iterable<unknown>>): Generator<Awaited<R>> {
    if (this.#shutdown) throw new RuntimeError("cannot schedule new futures after shutdown");
    if (typeof fn !== "function") throw argError("map()", "fn", "a function", fn);
    refuseDetachedMethod(fn, "map()");
    const its = iterables.map((it) => {
      if (it === null || it === undefined || typeof (it as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function")
        throw argError("map()", "iterables", "iterables (arrays, Sets...)", it);
      return it[Symbol.iterator]();
    });
    const calls: unknown[][] = [];
    for (;;) {
      const items = its.map((it) => it.next());
      if (items.length === 0 || items.some((r) => r.done)) break;
      calls.push(items.map((r) => r.value as unknown));
    }
    // The calls go in chunks (a few per thread and round), each one job: the function travels
    // once per chunk instead of once per item. Results still come back in order, and an error
    // is thrown when the iteration reaches the item that threw.
    const caller = callerLookup();
    const program = buildProgram(fn as never, `the function mapped by ${this.#prefix}`, caller);
    const size = Math.max(1, Math.ceil(calls.length / (this.maxWorkers * 8)));
    const futures: Array<Future<{ values: Array<Awaited<R>>; error?: Error }>> = [];
    for (let at = 0; at < calls.length; at += size) {
      const future = new Future<{ values: Array<Awaited<R>>; error?: Error }>();
      this.#pending.add(future);
      this.#adjustThreads();
      // The chunk and each call's argument list are made here: plain lists, no identity to keep (giving
      // each one a copy identity cost a weak reference and a finalizer per item); the items keep theirs.
      const chunk = calls
        .slice(at, at + size)
        .map((args, i) => args.map((a, j) => encode(a, `the items given to map()[${at + i}]${args.length > 1 ? `[${j}]` : ""}`)));
      this.#channel.postMessage({ type: "job", program, args: chunk, future: future.sab, chunk: true } satisfies ExecutorMessage);
      futures.push(future);
    }
    for (const f of futures) {
      const { values, error } = f.result();
      for (const v of values) yield v;
      if (error) throw error;
    }
  }

  /**
   * No more calls may be submitted. With `wait`, blocks until every call has
   * run and the threads have ended; with `cancelFutures`, calls not yet started are cancelled.
   */
  shutdown(wait = true, cancelFutures = false): void {
    if (typeof wait !== "boolean") throw argError("shutdown()", "wait", "a boolean", wait);
    if (typeof cancelFutures !== "boolean") throw argError("shutdown()", "cancelFutures", "a boolean", cancelFutures);
    if (!this.#shutdown) {
      this.#shutdown = true;
      if (cancelFutures) for (const f of this.#pending) f.cancel();
      this.#channel.postMessage({ type: "stop" } satisfies ExecutorMessage);
      live.delete(this);
    }
    if (wait) for (const t of this.#threads) t.join();
    if (wait) {
      this.#channel.close();
      this.#reportUnretrieved();
    }
  }

  /** Says, one line each on stderr, which calls threw an error nobody asked their Future for. */
  #reportUnretrieved(): void {
    for (const f of this.#submitted) {
      const err = f.unretrievedException();
      if (err) {
        const first = (err.stack ?? `${err.name}: ${err.message}`)
          .split("\n")
          .slice(0, 2)
          .map((l) => l.trim())
          .join(" ");
        process.stderr.write(`Future exception was never retrieved (a call submitted to ${this.#prefix}): ${first}\n`);
      }
    }
    this.#submitted.clear();
  }

  /** Python's `with ThreadPoolExecutor() as ex:` — shuts down (waiting) when `fn` returns. */
  with<R>(fn: (ex: this) => R): R {
    if (typeof fn !== "function") throw argError("with()", "fn", "a function", fn);
    try {
      return fn(this);
    } finally {
      this.shutdown(true);
    }
  }

  #adjustThreads(): void {
    for (const f of this.#pending) if (f.done()) this.#pending.delete(f);
    // An idle thread (a token from a finished call) takes the call; otherwise start one, up to maxWorkers.
    for (let idle = Atomics.load(this.#counters, IDLE); idle > 0; idle = Atomics.load(this.#counters, IDLE)) {
      if (Atomics.compareExchange(this.#counters, IDLE, idle, idle - 1) === idle) return;
    }
    if (this.#threads.length >= this.maxWorkers) return;
    const ready = Atomics.load(this.#counters, READY);
    const t = new Thread({
      target: executorThread,
      args: [this.#name, this.#counters.buffer],
      name: `${this.#prefix}_${this.#threads.length}`,
      daemon: false,
    });
    t.start();
    this.#threads.push(t);
    // The new thread must be listening before a call is sent, or it would never see it.
    const end = deadline(30);
    while (Atomics.load(this.#counters, READY) === ready && t.isAlive()) {
      if (remaining(end) === 0) throw new RuntimeError("an executor thread did not start within 30 s");
      futexWait(this.#counters, READY, ready, 10);
    }
    this.#channel.postMessage({ type: "init", program: this.#init.program, args: this.#init.args } satisfies ExecutorMessage);
  }
}

export const FIRST_COMPLETED = "FIRST_COMPLETED";
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
export const ALL_COMPLETED = "ALL_COMPLETED";

/** Checks that `futures` is an iterable of Futures; returns them in an array. */
function checkFutures<T>(where: string, futures: Iterable<Future<T>>): Array<Future<T>> {
  if (futures === null || futures === undefined || typeof (futures as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function")
    throw argError(where, "futures", "an iterable of Futures", futures);
  const all = [...futures];
  for (const f of all) if (!(f instanceof Future)) throw argError(where, "each future", "a Future", f);
  return all;
}

/** Sleeps a little longer each time, up to 5 ms: waiting on many futures at once. */
function backoff(round: number): void {
  sleep(Math.min(0.005, 0.00005 * 2 ** Math.min(round, 7)));
}

/**
 * Yields the futures as they complete (finished or cancelled), within `timeout` **seconds** in all.
 * @throws {TimeoutError} if some are still not done when the time is up.
 */
export function* asCompleted<T>(futures: Iterable<Future<T>>, timeout?: number | null): Generator<Future<T>> {
  const end = deadline(checkTimeout("asCompleted()", timeout, true));
  const left = new Set(checkFutures("asCompleted()", futures));
  for (let round = 0; left.size > 0; round++) {
    let yielded = false;
    for (const f of [...left]) {
      if (f.done()) {
        left.delete(f);
        yielded = true;
        round = 0;
        yield f;
      }
    }
    if (left.size === 0) return;
    if (!yielded) {
      if (remaining(end) === 0) throw new TimeoutError(`${left.size} (of ${left.size}) futures unfinished`);
      backoff(round);
    }
  }
}

/**
 * Waits for the futures (at most `timeout` **seconds**) until `returnWhen`:
 * FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED. Returns `{ done, notDone }`.
 */
export function wait<T>(
  futures: Iterable<Future<T>>,
  timeout?: number | null,
  returnWhen: typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED = ALL_COMPLETED,
): { done: Set<Future<T>>; notDone: Set<Future<T>> } {
  if (![FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED].includes(returnWhen)) {
    throw new ValueError(`Invalid return condition: ${String(returnWhen)}`);
  }
  const end = deadline(checkTimeout("wait()", timeout, true));
  const all = new Set(checkFutures("wait()", futures));
  for (let round = 0; ; round++) {
    const done = new Set([...all].filter((f) => f.done()));
    const notDone = new Set([...all].filter((f) => !done.has(f)));
    const failed = [...done].some((f) => f.state === FINISHED && f.exception() !== null);
    if (notDone.size === 0 || (returnWhen === FIRST_COMPLETED && done.size > 0) || (returnWhen === FIRST_EXCEPTION && failed)) {
      return { done, notDone };
    }
    if (remaining(end) === 0) return { done, notDone };
    backoff(round);
  }
}

export { CANCELLED };
