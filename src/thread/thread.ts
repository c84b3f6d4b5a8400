/**
 * `Thread`, as Python's `threading.Thread`, and the functions that describe
 * threads: `currentThread`, `mainThread`, `activeCount`, `enumerate`,
 * `getIdent`, `getNativeId`.
 */
import { RuntimeError, argError, takesAtMost } from "../errors";
import { sharedState, isPoolOwner } from "../state/buffers";
import { HANDLE, registerHandleType, type Handle } from "../state/handle";
import { mainIdent, nextIdent, nextThreadNumber } from "../state/ids";
import { C, T, W } from "../state/layout";
import { threadCode } from "../state/me";
import { spinSite, spinUntil } from "../state/spin";
import { traceWait, waitDone } from "../state/trace";
import { WAIT, beginWait, endWait } from "../state/waits";
import { BlockedWait } from "../sync/deadlock";
import { checkTimeout, deadline, remaining, waitWord } from "../sync/wait";
import { decodeFromBytes, encodeArgs } from "../transport/copy";
import { buildProgram, callerLookup, refuseDetachedMethod } from "../transport/programs";
import type { Program } from "../transport/resolve";
import { chooseSink, type SinkDescriptor } from "../output/sinks";
import { SharedBlob } from "../shared/blob";
import { shareFields, type SharedFields } from "../shared/objects";
import { aliveSlots, allocSlot, finishSlot, isSlotAlive, waitStarted, writeName, type SlotRef } from "./registry";
import { currentTask, type Task } from "./task";
import { excepthookProgram } from "./excepthook";
// Deadlock reports go to each thread's own output (the cell that started it, in the kernel).
import "./report";

/** Where join() spins for the thread's end (state/spin.ts). */
const JOIN_SPIN = spinSite();

/** Options of `new Thread(...)`, as the keyword arguments of Python's `threading.Thread`. */
export interface ThreadOptions<A extends unknown[] = unknown[]> {
  /** The function the thread runs; it is sent as source to a worker (see "What a thread can see"). */
  target?: ((...args: A) => unknown) | null;
  /** Arguments for `target`, copied to the thread (threadlab objects are shared, not copied). @default [] */
  args?: A;
  /** The thread's name. @default "Thread-N (target)" */
  name?: string | number | null;
  /** Whether the thread is a daemon. @default the daemon flag of the thread that creates it */
  daemon?: boolean | null;
}

/** Hooks the pool provides; `Thread` does not import the pool so that data flows one way. */
export interface Launcher {
  launch(task: Task): number | undefined;
}
let launcher: Launcher | undefined;
export function setLauncher(l: Launcher): void {
  launcher = l;
}

let viewing: { info: ViewInfo; isMain: boolean } | undefined;
const objects = new Map<number, Thread>(); // threads this isolate knows, by ident

export interface ViewInfo {
  ref: SlotRef | null;
  ident: number;
  name: string;
  daemon: boolean;
  worker: number;
}

/**
 * A thread of control, as Python's `threading.Thread`:
 *
 * ```ts
 * const t = new Thread({ target: count, args: [5], name: "counter" });
 * t.start();
 * t.join();
 * ```
 */
export class Thread<A extends unknown[] = unknown[]> {
  // Typed loosely inside, so that a Thread<[number]> is also a Thread (A only types the options).
  #target: ((...args: any[]) => unknown) | null;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #started = false;
  #ref: SlotRef | null = null;
  #ident: number | null = null;
  #nativeId: number | null = null;
  #worker = -1;
  #isMain = false;
  #fieldsBack: SharedBlob<unknown> | undefined;

  constructor(options: ThreadOptions<A> = {}, ...rest: []) {
    if (viewing) {
      const { info, isMain } = viewing;
      viewing = undefined;
      this.#target = null;
      this.#args = [];
      this.#name = info.name;
      this.#daemon = info.daemon;
      this.#started = true;
      this.#ref = info.ref;
      this.#ident = info.ident;
      this.#worker = info.worker;
      this.#isMain = isMain;
      return;
    }
    if (rest.length > 0) throw takesAtMost("Thread()", 1, 1 + rest.length);
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      throw argError("Thread()", "options", "an object such as { target, args, name, daemon }", options);
    }
    const { target = null, args = [] as unknown as A, name = null, daemon = null } = options;
    if (target !== null && typeof target !== "function") {
      throw argError("Thread()", "target", "a function", target);
    }
    if (!Array.isArray(args)) throw argError("Thread()", "args", "an array of arguments", args);
    refuseDetachedMethod(target, "Thread()");
    if (name !== null && typeof name !== "string" && typeof name !== "number") {
      throw argError("Thread()", "name", "a string", name);
    }
    if (daemon !== null && typeof daemon !== "boolean") throw argError("Thread()", "daemon", "a boolean", daemon);
    for (const key of Object.keys(options)) {
      if (!["target", "args", "name", "daemon"].includes(key)) {
        throw new TypeError(`Thread() got an unexpected keyword argument '${key}' (expected target, args, name, daemon)`);
      }
    }
    this.#target = target;
    this.#args = args;
    if (name !== null) this.#name = String(name);
    else {
      const n = nextThreadNumber();
      this.#name = target ? `Thread-${n} (${targetName(target)})` : `Thread-${n}`;
    }
    this.#daemon = daemon ?? currentThread().daemon;
  }

  /** @internal Builds a Thread object for a thread started elsewhere (or the main thread). */
  static view(info: ViewInfo, isMain = false): Thread {
    viewing = { info, isMain };
    return new Thread();
  }

  /** @internal A view that is an instance of `cls` (a subclass), without running its constructor. */
  static viewAs(cls: new (...a: never[]) => Thread, info: ViewInfo): Thread {
    viewing = { info, isMain: false };
    return Reflect.construct<[], Thread>(Thread, [], cls);
  }

  /**
   * Starts the thread: its target runs in a pooled worker, concurrently with
   * every other thread. Returns once the thread has begun running (as CPython's
   * `start()`, which waits for the new thread's started event).
   *
   * @throws {RuntimeError} "threads can only be started once".
   * @throws {NameError} when the target uses a name that cannot be sent (the message names it).
   * @throws {DataCloneError} when an argument or a shared value cannot be copied.
   */
  start(): void {
    if (this.#started) throw new RuntimeError("threads can only be started once");
    if (!launcher) throw new RuntimeError("threadlab's worker pool is not loaded");
    let program: Program | null = null;
    const label = `the target of thread '${this.#name}'`;
    // The file that starts the thread is looked up (from the stack) only if a name needs its imports.
    const caller = callerLookup();
    // A subclass that overrides run(): its class travels as source, and the thread runs run() on an
    // object of that class whose fields are this object's, shared (a write in either is seen in both).
    // Fields that run() adds come back to this object at join().
    const subclassRun = this.run !== Thread.prototype.run;
    let self: Task["self"];
    if (subclassRun) {
      program = buildProgram(this.constructor as never, `the class of thread '${this.#name}'`, caller);
      this.#fieldsBack = SharedBlob.create<unknown>(undefined, FIELDS_BYTES);
      self = { ...this.#packFields(caller), back: this.#fieldsBack.state };
    } else if (this.#target) program = buildProgram(this.#target as never, label, caller);
    const args = encodeArgs(this.#args, `the args of thread '${this.#name}'`);
    const hook = excepthookProgram(caller);
    const ident = nextIdent();
    const ref = allocSlot(ident, this.#name, this.#daemon);
    const sink: SinkDescriptor = currentTask()?.sink ?? chooseSink();
    const task: Task = { ref, ident, name: this.#name, daemon: this.#daemon, sink, program, args, hook, self };
    traceWait("start", this, undefined, true);
    try {
      this.#worker = launcher.launch(task) ?? -1;
    } catch (err) {
      waitDone(finishSlot(ref));
      throw err;
    }
    this.#started = true;
    this.#ref = ref;
    this.#ident = ident;
    if (objects.size >= 256) forgetEnded();
    objects.set(ident, this);
    waitDone(waitStarted(ref));
  }

  /**
   * A subclass's own fields, for the thread that runs its `run()`: functions
   * travel as source (a Timer's function), everything else as `args` do.
   */
  #packFields(caller: () => string | undefined): { shared: SharedFields; functions: Record<string, Program> } {
    const data: string[] = [];
    const functions: Record<string, Program> = {};
    for (const [key, value] of Object.entries(this)) {
      if (typeof value === "function") {
        functions[key] = buildProgram(value as never, `the field '${key}' of thread '${this.#name}'`, caller);
      } else data.push(key);
    }
    return { shared: shareFields(this, data, `thread '${this.#name}'`, false), functions };
  }

  /**
   * What the thread does: calls the target with the args. `start()` runs the
   * target in a worker; calling `run()` yourself runs it here, in this thread.
   */
  run(): unknown {
    return this.#target ? this.#target(...this.#args) : undefined;
  }

  /**
   * Waits until the thread ends.
   *
   * - `join()`: waits for as long as it takes.
   * - `join(timeout)`: waits at most `timeout` **seconds**; check `isAlive()`
   *   afterwards to know whether it ended (a negative timeout is taken as 0, as in Python).
   *
   * @throws {RuntimeError} "cannot join thread before it is started" / "cannot join current thread".
   */
  join(timeout?: number | null): void {
    if (!this.#started) throw new RuntimeError("cannot join thread before it is started");
    if (this.#ident === getIdent()) throw new RuntimeError("cannot join current thread");
    const t = checkTimeout("join()", timeout, true);
    const end = deadline(t === null ? null : Math.max(0, t));
    const ref = this.#ref;
    if (!ref) {
      // The main thread, joined from another thread: it ends only with the process.
      waitWord(new Int32Array(new SharedArrayBuffer(4)), 0, 0, remaining(end));
      return;
    }
    const words = sharedState().threads;
    const i = ref.slot * T.STRIDE + T.STATE;
    // A short thread often ends within microseconds: spin a little before sleeping (state/spin.ts).
    if (t === null || t > 0) spinUntil(() => Atomics.load(words, i) !== ref.word, JOIN_SPIN);
    traceWait("join", this);
    if (Atomics.load(words, i) === ref.word) {
      // Asleep from here: say so in this thread's wait record, and look for a join cycle (sync/deadlock.ts).
      beginWait(WAIT.JOIN, this.#name, threadCode(ref.slot, ref.word), t !== null);
      try {
        const blocked = new BlockedWait();
        blocked.check(true);
        while (Atomics.load(words, i) === ref.word) {
          const left = remaining(end);
          if (left === 0) return waitDone(undefined);
          blocked.slept(waitWord(words, i, ref.word, blocked.slice(left)));
          blocked.check(false);
        }
      } finally {
        endWait();
      }
    }
    waitDone(undefined);
    objects.delete(this.#ident!);
    const back = this.#fieldsBack;
    if (back && back.version() > 0) {
      const added = back.lock.with(() => decodeFromBytes(back.readBytes(), false, `the fields of thread '${this.#name}'`));
      Object.assign(this, added);
      this.#fieldsBack = undefined;
    }
  }

  /** Whether the thread has started and not yet ended. */
  isAlive(): boolean {
    if (this.#isMain) return true;
    return this.#started && this.#ref !== null && isSlotAlive(this.#ref);
  }

  /** The thread's name; only for display, several threads may share one. */
  get name(): string {
    return this.#name;
  }

  set name(value: string) {
    if (typeof value !== "string" && typeof value !== "number") throw argError("Thread.name", "name", "a string", value);
    this.#name = String(value);
    if (this.#ref && isSlotAlive(this.#ref)) writeName(this.#ref.slot, this.#name);
  }

  /** The thread identifier, a positive number; null before `start()`. Kept after the thread ends. */
  get ident(): number | null {
    return this.#ident;
  }

  /** The operating system's id of the thread (its TID); null before `start()`. */
  get nativeId(): number | null {
    if (this.#isMain) return process.pid;
    if (!this.#started || this.#nativeId !== null) return this.#nativeId;
    const s = sharedState();
    if (this.#worker < 0 && this.#ref) {
      // Placed by the supervisor (a thread started by a thread): the worker records itself in the slot.
      const i = this.#ref.slot * T.STRIDE;
      for (let n = 0; n < 5000 && isSlotAlive(this.#ref); n++) {
        const w = Atomics.load(s.threads, i + T.WORKER);
        if (w >= 0) {
          this.#worker = w;
          break;
        }
        Atomics.wait(s.threads, i + T.WORKER, -1, 1);
      }
    }
    if (this.#worker < 0) return null;
    const tid = s.workers.subarray(this.#worker * W.STRIDE + W.TID, this.#worker * W.STRIDE + W.TID + 1);
    // A worker still booting writes its TID within milliseconds.
    for (let n = 0; n < 5000 && Atomics.load(tid, 0) === 0; n++) Atomics.wait(tid, 0, 0, 1);
    this.#nativeId = Atomics.load(tid, 0) || null;
    return this.#nativeId;
  }

  /** Whether this is a daemon thread; a script exits without waiting for daemon threads. */
  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    if (typeof value !== "boolean") throw argError("Thread.daemon", "daemon", "a boolean", value);
    if (this.#started) throw new RuntimeError("cannot set daemon status of active thread");
    this.#daemon = value;
  }

  toString(): string {
    let status = this.#started ? "started" : "initial";
    if (this.#started && !this.isAlive()) status = "stopped";
    if (this.#daemon) status += " daemon";
    if (this.#ident !== null) status += ` ${this.#ident}`;
    return `<${this.#isMain ? "_MainThread" : "Thread"}(${this.#name}, ${status})>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal */
  [HANDLE](): Handle {
    if (!this.#started) {
      throw new RuntimeError(`cannot send thread '${this.#name}' to another thread before it is started`);
    }
    const info: ViewInfo = { ref: this.#ref, ident: this.#ident!, name: this.#name, daemon: this.#daemon, worker: this.#worker };
    return { type: "Thread", state: { info, isMain: this.#isMain } };
  }
}

/**
 * A target's name for the default thread name. An arrow function written in
 * the options (`{ target: () => ... }`) takes the name "target" from its key;
 * like Python's lambda it has no name of its own, so it shows as `<lambda>`.
 */
function targetName(target: (...args: never[]) => unknown): string {
  const name = target.name;
  if (!name) return "<lambda>";
  if (name !== "target") return name;
  const src = Function.prototype.toString.call(target);
  return /^(async\s+)?function\s*\*?\s*target\b|^class\s+target\b/.test(src) ? name : "<lambda>";
}

/** Room for the fields a subclass's thread sends back at its end (reserved address space; pages as used). */
const FIELDS_BYTES = 64 * 1024 * 1024;

registerHandleType("Thread", (s) => {
  const { info, isMain } = s as { info: ViewInfo; isMain: boolean };
  return objects.get(info.ident) ?? (isMain ? mainThread() : Thread.view(info));
});

/** Drops the threads that have ended from the map `enumerate()` reuses objects from. */
function forgetEnded(): void {
  for (const [ident, obj] of objects) if (!obj.isAlive()) objects.delete(ident);
}

let main: Thread | undefined;

/** The main thread: the one that loaded the program (in a notebook, the one that runs the cells). */
export function mainThread(): Thread {
  return (main ??= Thread.view({ ref: null, ident: mainIdent(), name: "MainThread", daemon: false, worker: -1 }, true));
}

let current: Thread | undefined;

/** @internal Sets the Thread object of the thread now running in this worker. */
export function setCurrentThread(t: Thread | undefined): void {
  current = t;
  if (!t) forgetEnded();
}

/** The Thread object of the calling thread. */
export function currentThread(): Thread {
  if (current) return current;
  if (isPoolOwner) return mainThread();
  const task = currentTask();
  if (!task) return mainThread();
  return (current = Thread.view({ ref: task.ref, ident: task.ident, name: task.name, daemon: task.daemon, worker: -1 }));
}

/** The calling thread's identifier (`currentThread().ident`). */
export function getIdent(): number {
  return currentThread().ident!;
}

/** The operating system's id of the calling thread. */
export function getNativeId(): number {
  return currentThread().nativeId ?? process.pid;
}

/** How many threads are alive, the main thread included. */
export function activeCount(): number {
  return Atomics.load(sharedState().counters, C.ALIVE_THREADS) + 1;
}

/** Every alive thread, the main thread first; threads this thread started are the same objects it holds. */
export function enumerate(): Thread[] {
  const out: Thread[] = [mainThread()];
  for (const info of aliveSlots()) {
    if (info.ident === current?.ident) out.push(current);
    else
      out.push(
        objects.get(info.ident) ??
          Thread.view({ ref: info, ident: info.ident, name: info.name, daemon: info.daemon, worker: info.worker }),
      );
  }
  return out;
}
