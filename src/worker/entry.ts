/**
 * The only code that runs inside a pool worker: wait for a task, rebuild the
 * target from its program, run it as one thread, clean up, wait again.
 *
 * Between threads the worker forgets everything of the last one: its
 * `local` values, the timers and process listeners it left, the globals it
 * added, its output sink and its Thread object.
 */
import { readlinkSync } from "fs";
import { availableParallelism } from "os";
import { pathToFileURL } from "url";
import { promisify } from "util";
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "worker_threads";
// The whole API is loaded in every worker: what threads call, and every handle type they receive.
import "../index";
import { decode, isShareable } from "../transport/handles";
import { serialize } from "v8";
import { Future } from "../futures/future";
import { bindingValue, moduleValue, programCode, requireModule, runFactory } from "../transport/rebuild";
import { addResolver, type Binding, type Program, type Resolved } from "../transport/resolve";
import { installCapture, setCurrentSink } from "../output/capture";
import { openSink, TERMINAL } from "../output/sink";
import "../output/cell-sink";
import { C, W, WS, T } from "../sync/layout";
import { finishSlot, sharedState } from "../thread/table";
import { clearThreadLocals } from "../thread/local";
import { setCurrentTask, currentTask, type Task } from "../thread/task";
import { Thread, setCurrentThread, currentThread } from "../thread/thread";
import { excepthook, type ExceptHookArgs } from "../thread/excepthook";

const setup = workerData as { threadlab: { index: number }; mainPort: MessagePort; poolMin: number; idleSeconds: number };
const index = setup.threadlab.index;
const s = sharedState();
const at = index * W.STRIDE;

function osThreadId(): number {
  try {
    return Number(/task\/(\d+)/.exec(readlinkSync("/proc/thread-self"))?.[1] ?? 0) || process.pid;
  } catch {
    return process.pid;
  }
}
Atomics.store(s.workers, at + W.TID, osThreadId());
Atomics.notify(s.workers, at + W.TID);
Atomics.sub(s.counters, C.WORKERS_BOOTING, 1);

installCapture(openSink(TERMINAL));

// ---- what a thread leaves behind, and how it is cleaned up --------------------------------

const baselineGlobals = new Set(Object.getOwnPropertyNames(globalThis));
const timers = new Set<NodeJS.Timeout | NodeJS.Immediate>();
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
const realSetImmediate = globalThis.setImmediate;
globalThis.setTimeout = Object.assign(
  (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = realSetTimeout((...a: unknown[]) => {
      timers.delete(t);
      fn(...a);
    }, ms, ...args);
    timers.add(t);
    return t;
  },
  { [promisify.custom]: (realSetTimeout as unknown as Record<symbol, unknown>)[promisify.custom] },
) as unknown as typeof setTimeout;
globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const t = realSetInterval(fn, ms, ...args);
  timers.add(t);
  return t;
}) as typeof setInterval;
globalThis.setImmediate = Object.assign(
  (fn: (...a: unknown[]) => void, ...args: unknown[]) => {
    const t = realSetImmediate((...a: unknown[]) => {
      timers.delete(t);
      fn(...a);
    }, ...args);
    timers.add(t);
    return t;
  },
  { [promisify.custom]: (realSetImmediate as unknown as Record<symbol, unknown>)[promisify.custom] },
) as unknown as typeof setImmediate;

const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection", "exit", "beforeExit", "warning", "message"] as const;
function listenerSnapshot(): Map<string, Function[]> { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  return new Map(PROCESS_EVENTS.map((e) => [e, process.listeners(e as never)]));
}

function cleanUp(before: Map<string, Function[]>): void { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  for (const t of timers) {
    clearTimeout(t as NodeJS.Timeout);
    clearInterval(t as NodeJS.Timeout);
    clearImmediate(t as NodeJS.Immediate);
  }
  timers.clear();
  for (const [event, kept] of before) {
    for (const l of process.listeners(event as never)) {
      if (!kept.includes(l)) process.removeListener(event, l as never);
    }
  }
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (!baselineGlobals.has(name)) delete (globalThis as Record<string, unknown>)[name];
  }
  clearThreadLocals();
}

// ---- rebuilding a program ---------------------------------------------------------------------

let received = new Map<string, { binding: Binding; value?: unknown }>();

/** A binding's value; a module that only `import()` can load (ES-only) is awaited here. */
async function valueOf(b: Binding): Promise<unknown> {
  if (b.kind !== "module") return bindingValue(b);
  let mod: unknown;
  try {
    mod = requireModule(b);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_REQUIRE_ESM") throw err;
    mod = await import(/^[./]/.test(b.request) ? pathToFileURL(b.request).href : b.request);
  }
  return moduleValue(mod, b);
}

/** Evaluates a program to its target function (or class). */
async function instantiate(program: Program, remember: boolean): Promise<unknown> {
  const values: unknown[] = [];
  for (const b of program.bindings) values.push(await valueOf(b));
  if (remember) {
    received = new Map();
    program.bindings.forEach((b, n) => received.set(b.name, { binding: b, value: values[n] }));
  }
  return runFactory(programCode(program), values);
}

// A thread that starts a thread passes on the names it received itself.
function asResolved(hit: { binding: Binding; value?: unknown }): Resolved {
  if (hit.binding.kind === "data" || hit.binding.kind === "handle") return { value: hit.value };
  if (hit.binding.kind === "namespace") {
    const ns = hit.binding.name;
    return { members: (prop) => (received.has(`${ns}$${prop}`) ? asResolved(received.get(`${ns}$${prop}`)!) : undefined) };
  }
  return { binding: hit.binding };
}
addResolver((name) => (received.has(name) ? asResolved(received.get(name)!) : undefined));

// ---- running one thread ---------------------------------------------------------------------

function reportException(err: unknown, task: Task): Promise<void> | void {
  const args: ExceptHookArgs = {
    excType: (err as { constructor?: { name?: string } })?.constructor?.name ?? typeof err,
    excValue: err,
    excTraceback: err instanceof Error ? err.stack ?? null : null,
    thread: currentThread(),
  };
  if (!task.hook) return excepthook(args);
  return instantiate(task.hook, false)
    .then((hook) => (hook as (a: ExceptHookArgs) => unknown)(args))
    .then(
      () => undefined,
      (hookErr) => {
        process.stderr.write("Exception in threading.excepthook:\n");
        excepthook({ ...args, excValue: hookErr, excTraceback: (hookErr as Error)?.stack ?? null });
      },
    );
}

process.on("uncaughtException", (err) => {
  const task = currentTask();
  if (task) void reportException(err, task);
  else process.stderr.write(`threadlab worker: ${err.stack ?? err}\n`);
});
process.on("unhandledRejection", (err) => {
  const task = currentTask();
  if (task) void reportException(err, task);
});
// process.exit() in a thread ends that thread (its worker goes with it): mark it ended now, so
// joiners wake at once; what it printed is already out, since sinks write synchronously.
process.on("exit", () => {
  const task = currentTask();
  if (Atomics.load(s.workers, at + W.STATE) !== WS.LEFT) Atomics.store(s.workers, at + W.STATE, WS.EXITED);
  if (task) finishSlot(task.ref);
});

/** Sends the plain-data fields of a subclass thread back to its Thread object (join() applies them). */
function sendFieldsBack(self: object, back: SharedArrayBuffer): void {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(self)) {
    if (typeof value === "function" || isShareable(value)) continue; // shared objects are the same object already
    try {
      serialize(value);
      fields[key] = value;
    } catch {
      /* not plain data: it stays in the thread */
    }
  }
  new Future(back).setResult(fields);
}

async function run(task: Task): Promise<void> {
  const before = listenerSnapshot();
  setCurrentTask(task);
  const i = task.ref.slot * T.STRIDE;
  Atomics.store(s.threads, i + T.WORKER, index);
  Atomics.notify(s.threads, i + T.WORKER);
  Atomics.store(s.workers, at + W.THREAD_SLOT, task.ref.slot);
  Atomics.store(s.workers, at + W.THREAD_STATE, task.ref.word);
  Atomics.store(s.workers, at + W.DAEMON, task.daemon ? 1 : 0);
  Atomics.store(s.workers, at + W.SINK_CELL, task.sink.kind === "cell" ? (task.sink.cell as number) : -1);
  setCurrentSink(openSink(task.sink));
  setCurrentThread(Thread.view({ ref: task.ref, ident: task.ident, name: task.name, daemon: task.daemon, worker: index }));
  try {
    const args = decode(task.args, true, "args") as unknown[];
    // A Timer waits first, and runs its function only if it was not cancelled meanwhile.
    const finished = task.timer ? (decode(task.timer.finished, false, "finished") as { wait(t: number): boolean; isSet(): boolean; set(): void }) : undefined;
    if (finished) finished.wait(task.timer!.interval);
    if (task.program && task.self) {
      // A Thread subclass: run() on an instance of it holding a copy of the starter's fields.
      const Cls = (await instantiate(task.program, true)) as new () => Thread;
      const self = Thread.viewAs(Cls, { ref: task.ref, ident: task.ident, name: task.name, daemon: task.daemon, worker: index });
      Object.assign(self, decode(task.self.fields, false, "fields"));
      setCurrentThread(self);
      try {
        const result = self.run();
        if (result && typeof (result as { then?: unknown }).then === "function") await result;
      } finally {
        sendFieldsBack(self, task.self.back);
      }
    } else if (task.program && !(finished && finished.isSet())) {
      const target = (await instantiate(task.program, true)) as (...a: unknown[]) => unknown;
      const result = target(...args);
      if (result && typeof (result as { then?: unknown }).then === "function") await result;
    }
    finished?.set();
  } catch (err) {
    await reportException(err, task);
  }
  // Let promise callbacks the target queued but did not await run while this is still their thread;
  // timers it left are cancelled below (the thread has ended, as a Python thread ends when run() returns).
  await Promise.resolve();
  cleanUp(before);
  received = new Map();
  setCurrentSink(undefined);
  setCurrentThread(undefined);
  setCurrentTask(undefined);
  Atomics.store(s.workers, at + W.THREAD_SLOT, -1);
  // Idle before the joiners wake, so that a thread started right after this one ends finds this worker free.
  Atomics.store(s.workers, at + W.STATE, WS.IDLE);
  Atomics.add(s.counters, C.IDLE_EPOCH, 1);
  if (Atomics.load(s.counters, C.IDLE_WAITERS) > 0) Atomics.notify(s.counters, C.IDLE_EPOCH);
  finishSlot(task.ref);
}

function takeTask(): Task | undefined {
  const m = receiveMessageOnPort(setup.mainPort) ?? receiveMessageOnPort(parentPort!);
  return m?.message as Task | undefined;
}

const SPIN = 5000;
const MAX_SPINNERS = Math.max(1, availableParallelism() - 1);

/**
 * Idle too long: exit, unless that would leave fewer than the minimum of
 * workers. Workers that time out together each count themselves as leaving
 * first, so that they never all go at once.
 */
function leave(): boolean {
  const leaving = Atomics.add(s.counters, C.WORKERS_LEAVING, 1) + 1;
  if (Atomics.load(s.counters, C.WORKERS_ALIVE) - leaving >= setup.poolMin &&
      Atomics.compareExchange(s.workers, at + W.STATE, WS.IDLE, WS.LEFT) === WS.IDLE) {
    return true; // the supervisor takes this worker off WORKERS_ALIVE and WORKERS_LEAVING when it is gone
  }
  Atomics.sub(s.counters, C.WORKERS_LEAVING, 1);
  return false;
}

/** Waits for the next task; returns undefined when this worker should exit (idle too long). */
function nextTask(): Task | undefined {
  const idleMs = setup.idleSeconds * 1000;
  for (;;) {
    const state = Atomics.load(s.workers, at + W.STATE);
    if (state === WS.RUN) {
      const task = takeTask();
      if (task) return task;
      Atomics.wait(s.workers, at + W.STATE, WS.RUN, 1); // posted, not yet visible: look again shortly
      continue;
    }
    if (state === WS.CLAIMED || state === WS.BOOTING) {
      if (state === WS.BOOTING && Atomics.compareExchange(s.workers, at + W.STATE, WS.BOOTING, WS.IDLE) === WS.BOOTING) {
        Atomics.add(s.counters, C.IDLE_EPOCH, 1);
        Atomics.notify(s.counters, C.IDLE_EPOCH);
      }
      else Atomics.wait(s.workers, at + W.STATE, WS.CLAIMED, 5);
      continue;
    }
    if (state !== WS.IDLE) return undefined;
    // A starter often comes back at once (a loop of start/join): spin briefly before sleeping,
    // but only while fewer idle workers than cores spin, so that spinning never starves busy threads.
    if (Atomics.add(s.counters, C.SPINNERS, 1) < MAX_SPINNERS) {
      let spins = SPIN;
      while (spins-- > 0 && Atomics.load(s.workers, at + W.STATE) === WS.IDLE);
      Atomics.sub(s.counters, C.SPINNERS, 1);
      if (spins >= 0) continue;
    } else Atomics.sub(s.counters, C.SPINNERS, 1);
    const r = Atomics.wait(s.workers, at + W.STATE, WS.IDLE, idleMs);
    if (r === "timed-out" && leave()) return undefined;
  }
}

async function serve(): Promise<void> {
  for (let task = nextTask(); task; task = nextTask()) {
    await run(task);
  }
  setup.mainPort.close();
  parentPort!.close();
}

void serve();
