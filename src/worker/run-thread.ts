/**
 * Running one thread in this worker: note it in the shared tables, rebuild
 * its target (or its Thread subclass), call it, hand an uncaught error to
 * the excepthook, and reset everything the thread touched before the next.
 */
import { sharedState } from "../state/buffers";
import { DEATH, T, W } from "../state/layout";
import { setFirstWait, setMe } from "../state/me";
import { traceThread } from "../state/trace";
import { setDeath } from "../state/waits";
import { decode, encodeToBytes } from "../transport/copy";
import { SharedBlob } from "../shared/blob";
import { attachFields } from "../shared/objects";
import { setCurrentSink } from "../output/capture";
import { openSink } from "../output/sinks";
import { clearThreadLocals } from "../thread/local";
import { SystemExit, clearExiting } from "../thread/exit";
import { finishSlot, markStarted, markYielded } from "../thread/registry";
import { setCurrentTask, type Task } from "../thread/task";
import { Thread, currentThread, setCurrentThread, type ViewInfo } from "../thread/thread";
import { excepthook, type ExceptHookArgs } from "../thread/excepthook";
import { cleanUp, listenerSnapshot, type ListenerSnapshot } from "./leftovers";
import { finished, wakeStarters } from "./lifecycle";
import { instantiate } from "./instantiate";

/** Hands an error the thread did not catch to the excepthook (the custom one travels as source). */
export function reportException(err: unknown, task: Task): Promise<void> | void {
  const args: ExceptHookArgs = {
    excType: (err as { constructor?: { name?: string } })?.constructor?.name ?? typeof err,
    excValue: err,
    excTraceback: err instanceof Error ? (err.stack ?? null) : null,
    thread: currentThread(),
  };
  if (!task.hook) return excepthook(args);
  const program = task.hook;
  return new Promise((resolve) => resolve(instantiate(program)))
    .then((hook) => (hook as (a: ExceptHookArgs) => unknown)(args))
    .then(
      () => undefined,
      (hookErr) => {
        process.stderr.write("Exception in threading.excepthook:\n");
        excepthook({ ...args, excValue: hookErr, excTraceback: (hookErr as Error)?.stack ?? null });
      },
    );
}

/** Sends the fields run() added to a subclass thread's object back to the starter's object (join() applies them). */
function sendFieldsBack(self: object, task: Task): void {
  const known = new Set([...task.self!.shared.fields, ...Object.keys(task.self!.functions)]);
  const added: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(self)) if (!known.has(key) && typeof value !== "function") added[key] = value;
  const blob = new SharedBlob<unknown>(task.self!.back);
  try {
    const bytes = encodeToBytes(added, `the fields thread '${task.name}' added`);
    blob.lock.with(() => blob.writeBytes(bytes));
  } catch (err) {
    process.stderr.write(`threadlab: ${(err as Error).message}\n`);
  }
}

/** The thread begins its function: its starter may go on once it first blocks (see waitStarted). */
function begin(task: Task): void {
  setFirstWait(() => markYielded(task.ref));
  markStarted(task.ref);
  traceThread("start", task.ident, task.name);
}

/** What a call returned, if it is a promise to wait for (an async target's); else undefined: nothing to wait for. */
function awaitable(result: unknown): PromiseLike<unknown> | undefined {
  return result && typeof (result as { then?: unknown }).then === "function" ? (result as PromiseLike<unknown>) : undefined;
}

/** Runs `task` as one thread on worker `index`; returns once the thread has ended and the worker is idle. */
export async function runThread(task: Task, index: number): Promise<void> {
  // What runs in every thread is in functions of their own: V8 optimizes each apart (this async
  // function with all of it inlined took 35-70 ms of TurboFan's time in a first 1000-thread run).
  const { before, info } = enter(task, index);
  try {
    const running = task.program && task.self ? runSubclass(task, info) : runTarget(task);
    if (running) await running;
  } catch (err) {
    // process.exit() threw SystemExit to unwind the thread: it ends quietly, as sys.exit() ends a Python thread.
    if (!(err instanceof SystemExit)) await reportException(err, task);
    // A lock it still holds was not released: its next acquirer is told the thread called process.exit().
    else setDeath(task.ref.slot, DEATH.EXIT);
  }
  traceThread("end", task.ident, task.name);
  clearExiting();
  // Let promise callbacks the target queued but did not await run while this is still their thread;
  // timers it left are cancelled below (the thread has ended, as a Python thread ends when run() returns).
  await Promise.resolve();
  leave(task, index, before);
}

/** Notes the thread in the shared tables and makes it this worker's current thread. */
function enter(task: Task, index: number): { before: ListenerSnapshot; info: ViewInfo } {
  const s = sharedState();
  const at = index * W.STRIDE;
  const before = listenerSnapshot();
  setCurrentTask(task);
  setMe({ ident: task.ident, slot: task.ref.slot, word: task.ref.word });
  const i = task.ref.slot * T.STRIDE;
  Atomics.store(s.threads, i + T.WORKER, index);
  Atomics.notify(s.threads, i + T.WORKER);
  Atomics.store(s.workers, at + W.THREAD_SLOT, task.ref.slot);
  Atomics.store(s.workers, at + W.THREAD_STATE, task.ref.word);
  Atomics.store(s.workers, at + W.DAEMON, task.daemon ? 1 : 0);
  Atomics.store(s.workers, at + W.SINK_CELL, task.sink.kind === "cell" ? (task.sink.cell as number) : -1);
  setCurrentSink(openSink(task.sink));
  const info = { ref: task.ref, ident: task.ident, name: task.name, daemon: task.daemon, worker: index };
  setCurrentThread(Thread.view(info));
  return { before, info };
}

/**
 * Calls a thread's target with its arguments. Returns what to wait for, if anything: an ES-only
 * module being imported (otherwise the target is rebuilt at once, with no turn of the microtask
 * queue before the thread runs), or the promise of an async target.
 */
function runTarget(task: Task): PromiseLike<unknown> | undefined {
  if (!task.program) {
    begin(task);
    return undefined;
  }
  const args = decode(task.args, true, "args") as unknown[];
  const made = instantiate(task.program);
  if (made instanceof Promise) return made.then((target) => call(task, target, args));
  return call(task, made, args);
}

function call(task: Task, target: unknown, args: unknown[]): PromiseLike<unknown> | undefined {
  begin(task);
  return awaitable((target as (...a: unknown[]) => unknown)(...args));
}

/** A Thread subclass: run() on an instance of it holding the starter's fields. */
async function runSubclass(task: Task, info: ViewInfo): Promise<void> {
  const self = Thread.viewAs((await instantiate(task.program!)) as new () => Thread, info);
  attachFields(self, task.self!.shared, `thread '${task.name}'`, false);
  for (const [key, program] of Object.entries(task.self!.functions)) {
    (self as unknown as Record<string, unknown>)[key] = await instantiate(program);
  }
  setCurrentThread(self);
  begin(task);
  try {
    const running = awaitable(self.run());
    if (running) await running;
  } finally {
    sendFieldsBack(self, task);
  }
}

/** The thread has ended: the worker is idle, its joiners wake, and what it left is cleaned up. */
function leave(task: Task, index: number, before: ListenerSnapshot): void {
  const s = sharedState();
  setCurrentSink(undefined);
  setCurrentThread(undefined);
  setCurrentTask(undefined);
  setMe(undefined);
  setFirstWait(undefined);
  Atomics.store(s.workers, index * W.STRIDE + W.THREAD_SLOT, -1);
  // Idle before the joiners wake, so that a thread started right after this one ends finds this worker
  // free; the worker takes its next task only once this returns, after the clean-up below. What the
  // clean-up does (timers cancelled, listeners and globals the thread left removed, its locals
  // dropped) no other thread can see, so the joiners need not wait for it.
  finished(index);
  wakeStarters();
  finishSlot(task.ref);
  cleanUp(before);
  clearThreadLocals();
}
