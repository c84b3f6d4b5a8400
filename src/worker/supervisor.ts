/**
 * The supervisor: a worker that spawns the pool's workers and watches them.
 * Its event loop is never blocked by user code, so when a worker dies (out of
 * memory, `process.exit()`, `terminate()`), it marks that worker's thread
 * ended at once and wakes its joiners, even while the main thread blocks.
 */
import { parentPort, Worker, workerData, type MessagePort } from "worker_threads";
import { C, DEATH, MAX_WORKERS, T, W, type SharedBuffers } from "../state/layout";
import type { SlotRef } from "../thread/registry";
import type { Task } from "../thread/task";
import { WS, claim, freed, hasBooted, post, stateOf, wakeStarters } from "./lifecycle";
import type { DirectoryReply, DirectoryRequest } from "../state/directory";
import { bootFailedMessage, type ToMain, type ToSupervisor } from "./messages";
import { spawnPoolWorker } from "./create";
import { watchLoad } from "./load";

interface Setup {
  threadlab: { buffers: SharedBuffers; index: number };
  /** The main thread's connection to the directory of shared buffers kept here. */
  directory: { port: MessagePort; mailbox: SharedArrayBuffer };
  control: MessagePort;
  reply: SharedArrayBuffer;
  poolMin: number;
  idleSeconds: number;
  /** How many workers to spawn as the supervisor boots (the pool's minimum, less the one main spawned). */
  spawnFirst: number;
  /** In the kernel: the shared output ring every pool worker writes cell output to. */
  outputRing?: SharedArrayBuffer;
  /** The workers' code caches, read once by main (worker/bundle.ts, workerCodeCaches). */
  codeCaches?: Record<string, SharedArrayBuffer>;
}

const setup = workerData as Setup;

// What the supervisor needs only when a worker dies or a thread starts a thread: loaded then, so
// that the supervisor boots (and spawns the first workers) as fast as a bare worker.
const later = {
  get registry() {
    return require("../thread/registry") as typeof import("../thread/registry");
  },
  get sinks() {
    require("../output/terminal");
    return require("../output/sinks") as typeof import("../output/sinks");
  },
  get cellSink() {
    return (require("../output/cell-sink") as typeof import("../output/cell-sink")).cellSink;
  },
  get outputLock() {
    return require("../output/output-lock") as typeof import("../output/output-lock");
  },
  get EXIT_GRACE_MS() {
    return (require("../thread/exit") as typeof import("../thread/exit")).EXIT_GRACE_MS;
  },
  get formatException() {
    return (require("../output/traceback") as typeof import("../output/traceback")).formatException;
  },
};
const buffers = setup.threadlab.buffers;
const workers = new Int32Array(buffers.workers);
const threads = new Int32Array(buffers.threads);
/** Workers stopped because their thread caught the SystemExit of process.exit() and went on. */
const exitStopped = new Set<number>();
const counters = new Int32Array(buffers.counters);
const reply = new Int32Array(setup.reply);
const pool = new Map<number, Worker>();
/** Workers main spawned (the first), watched by their life ports. */
const adopted = new Set<number>();
const deaths = new Map<number, NodeJS.ErrnoException>();
/** Why a worker's start-up threw, as it said (boot.ts) before it died. */
const bootErrors = new Map<number, string>();
/**
 * Tasks of threads that threads started, placed on a worker still booting: if it dies so, the task's
 * thread is told why (onExit). Only a booting worker can: an entry goes once its worker has booted
 * (it held the task's arguments, however big, until the worker exited).
 */
const placed = new Map<number, Task>();

// ---- the directory of shared buffers (state/directory.ts) ------------------------------------

const published = new Map<number, SharedArrayBuffer>();
const wanted = new Map<number, Array<{ port: MessagePort; mailbox: Int32Array }>>();

function answer(id: number, sab: SharedArrayBuffer, to: { port: MessagePort; mailbox: Int32Array }): void {
  to.port.postMessage({ type: "sab", id, sab } satisfies DirectoryReply);
  Atomics.store(to.mailbox, 0, 1);
  Atomics.notify(to.mailbox, 0);
}

/** Keeps the buffers an isolate publishes; hands them to whoever asks (now, or once published). */
function serveDirectory(port: MessagePort, mailboxSab: SharedArrayBuffer): void {
  const me = { port, mailbox: new Int32Array(mailboxSab) };
  port.on("message", (msg: DirectoryRequest) => {
    if (msg.type === "publish") {
      for (const [id, sab] of msg.entries) {
        published.set(id, sab);
        for (const w of wanted.get(id) ?? []) answer(id, sab, w);
        wanted.delete(id);
      }
    } else if (msg.type === "want") {
      const sab = published.get(msg.id);
      if (sab) answer(msg.id, sab, me);
      else wanted.set(msg.id, [...(wanted.get(msg.id) ?? []), me]);
    }
  });
  port.unref();
}
serveDirectory(setup.directory.port, setup.directory.mailbox);

function send(msg: ToMain, transfer: MessagePort[] = []): void {
  setup.control.postMessage(msg, transfer);
  Atomics.store(reply, 0, 1);
  Atomics.notify(reply, 0);
}

/** Spawns a worker in `state` (CLAIMED for a task of ours, BOOTING for a spare) and tells main its port. */
function spawn(state: typeof WS.BOOTING | typeof WS.CLAIMED): number {
  const made = spawnPoolWorker(state, { ...setup, buffers });
  if (!made) throw new Error(`can't start new thread: ${MAX_WORKERS} workers already exist`);
  const { worker, index } = made;
  serveDirectory(made.directory.port, made.directory.mailbox);
  pool.set(index, worker);
  worker.on("message", (msg: ToSupervisor) => onWorkerMessage(msg, index, worker));
  worker.on("error", (err) => deaths.set(index, err));
  worker.on("exit", () => onExit(index, worker));
  send({ type: "port", index, gen: made.gen, port: made.port }, [made.port]);
  return index;
}

/**
 * Main spawned the first worker itself (so the first thread need not wait for this supervisor to
 * boot before its worker can): it is watched by a port that closes when the worker dies. Its
 * Worker object, and so the error it died of, is main's; a worker dies on its own while its thread
 * runs only when it runs out of memory (a thread's process.exit() ends its thread first), so that
 * is what is reported.
 */
function adopt(msg: Extract<ToSupervisor, { type: "adopt" }>): void {
  serveDirectory(msg.directory.port, msg.directory.mailbox);
  adopted.add(msg.index);
  msg.life.on("close", () => {
    if (!deaths.has(msg.index) && !stopping?.pending.has(msg.index)) {
      const err = new Error("Worker terminated due to reaching memory limit: JS heap out of memory");
      err.stack = `Error [ERR_WORKER_OUT_OF_MEMORY]: ${err.message}`;
      deaths.set(msg.index, Object.assign(err, { code: "ERR_WORKER_OUT_OF_MEMORY" }));
    }
    onExit(msg.index, undefined);
  });
  // That worker's threads start threads and say they are exiting on the same port.
  msg.life.on("message", (m: ToSupervisor) => onWorkerMessage(m, msg.index, undefined));
  msg.life.unref();
}

/**
 * Main holds the Worker of the worker it spawned: asks main to stop it, on the control port (read
 * by main's event loop and its requests) and by a word main's blocking waits look at.
 */
function terminateMine(index: number): void {
  Atomics.store(counters, C.TERMINATE_MINE, index + 1);
  send({ type: "terminate", index });
}

/** A thread started a thread: place its task on an idle worker, or a new one. */
function place(task: Task): void {
  let index = -1;
  for (const n of pool.keys()) {
    if (claim(n)) {
      index = n;
      break;
    }
  }
  if (index < 0) index = spawn(WS.CLAIMED);
  pool.get(index)!.postMessage(task);
  post(index);
  for (const n of placed.keys()) if (hasBooted(n)) placed.delete(n);
  if (!hasBooted(index)) placed.set(index, task);
}

function onWorkerMessage(msg: ToSupervisor, index?: number, worker?: Worker): void {
  if (msg.type === "start") {
    try {
      place(msg.task);
    } catch (err) {
      report(msg.task, err as Error);
      later.registry.finishSlot(msg.task.ref);
    }
  } else if (msg.type === "exiting" && index !== undefined) watchExit(index, worker, msg.word);
  else if (msg.type === "bootFailed" && index !== undefined) bootErrors.set(index, msg.error);
}

/**
 * Why worker `index` died before it ran its first thread: what its start-up threw, how it died,
 * else (the first worker, whose Worker object is main's) that it exited; with the heap cap, if set.
 */
function bootFailure(index: number): string {
  const err = deaths.get(index);
  // Its own error's stack says where its start-up failed; Node's (out of memory) only where Node noticed.
  const oom = err?.code === "ERR_WORKER_OUT_OF_MEMORY";
  let why =
    bootErrors.get(index) ??
    (oom ? `[${err.code}] ${err.message}` : err ? (err.stack ?? String(err)) : "it exited while starting up");
  const cap = Number(process.env.THREADLAB_WORKER_MAX_OLD_MB);
  if (cap > 0 && (oom || !err) && !bootErrors.has(index))
    why += ` (THREADLAB_WORKER_MAX_OLD_MB=${cap} caps each worker's heap; a worker needs at least 6 MiB to start: raise the cap or unset it)`;
  return why;
}

/**
 * A thread called process.exit() and unwinds (thread/exit.ts). If it is still
 * running, still unwinding, EXIT_GRACE_MS later, it caught the SystemExit and
 * went on: stop it as process.exit() would have, and say so in its output.
 */
function watchExit(index: number, worker: Worker | undefined, word: number): void {
  const i = index * W.STRIDE;
  const timer = setTimeout(() => {
    const current = worker ? pool.get(index) === worker : adopted.has(index);
    if (!current || Atomics.load(workers, i + W.EXITING) !== 1) return;
    if (Atomics.load(workers, i + W.THREAD_STATE) !== word) return;
    const slot = Atomics.load(workers, i + W.THREAD_SLOT);
    if (slot < 0 || !later.registry.isSlotAlive({ slot, word })) return;
    const name = later.registry.aliveSlots().find((t) => t.slot === slot)?.name ?? "<unknown>";
    const cell = Atomics.load(workers, i + W.SINK_CELL);
    try {
      later.sinks
        .openSink(cell >= 0 && setup.outputRing ? later.cellSink(cell) : later.sinks.TERMINAL)
        .write(
          "stderr",
          `threadlab: thread ${name} called process.exit() but caught the SystemExit it throws and went on; ` +
            `it was stopped ${later.EXIT_GRACE_MS / 1000} s later. Rethrow SystemExit (if (e instanceof SystemExit) throw e) to end the thread at once\n`,
        );
    } catch {
      /* its output is gone: stop it all the same */
    }
    exitStopped.add(index);
    if (worker) void worker.terminate();
    else terminateMine(index);
  }, later.EXIT_GRACE_MS);
  timer.unref();
}

/** Prints why a thread ended abnormally to the thread's own stderr, as the excepthook would. */
function report(task: Pick<Task, "name" | "sink">, err: Error): void {
  try {
    const excepthookArgs = {
      excType: err.constructor?.name ?? "Error",
      excValue: err,
      excTraceback: err.stack ?? null,
      thread: { name: task.name },
    };
    later.sinks.openSink(task.sink).write("stderr", later.formatException(excepthookArgs));
  } catch {
    /* the sink is gone too: nothing left to tell */
  }
}

function onExit(index: number, worker: Worker | undefined): void {
  if (worker ? pool.get(index) !== worker : !adopted.delete(index)) return;
  if (worker) pool.delete(index);
  const i = index * W.STRIDE;
  const left = stateOf(index) === WS.LEFT;
  const task = placed.get(index);
  placed.delete(index);
  if (!hasBooted(index)) {
    Atomics.sub(counters, C.WORKERS_BOOTING, 1); // died booting
    if (!stopping?.pending.has(index)) {
      const error = bootFailure(index);
      // A thread's thread placed on it ends with the error in its output; main's start() that waits for a
      // worker throws it (woken by the epoch).
      if (task && later.registry.isSlotAlive(task.ref)) {
        report(task, new Error(bootFailedMessage(error)));
        later.registry.finishSlot(task.ref);
      }
      send({ type: "bootFailed", index, error });
      wakeStarters();
    }
  }
  bootErrors.delete(index);
  const slot = Atomics.load(workers, i + W.THREAD_SLOT);
  if (slot >= 0) {
    const ref: SlotRef = { slot, word: Atomics.load(workers, i + W.THREAD_STATE) };
    // A thread that called process.exit() has already ended itself, quietly, as
    // sys.exit() does in Python; one that died (out of memory) is reported here.
    const err = deaths.get(index);
    // How it died, for the next acquirer of a lock it held (sync/lock.ts), before its slot is finished.
    if (later.registry.isSlotAlive(ref)) {
      const death = exitStopped.has(index)
        ? DEATH.EXIT
        : stopping?.pending.has(index)
          ? DEATH.SHUTDOWN
          : err
            ? DEATH.OUT_OF_MEMORY
            : DEATH.NONE;
      if (death !== DEATH.NONE) Atomics.store(threads, slot * T.STRIDE + T.DEATH, death);
    }
    if (err && later.registry.isSlotAlive(ref)) {
      const name = later.registry.aliveSlots().find((t) => t.slot === slot)?.name ?? "<unknown>";
      // The thread's own cell in the kernel (the worker noted it), else the terminal.
      const cell = Atomics.load(workers, i + W.SINK_CELL);
      report({ name, sink: cell >= 0 && setup.outputRing ? later.cellSink(cell) : later.sinks.TERMINAL }, err);
    }
    later.registry.finishSlot(ref);
  }
  // A worker terminated in the middle of a write still holds the output lock: free it.
  later.outputLock.releaseIfHeldBy(later.outputLock.holderIdOfWorker(index));
  deaths.delete(index);
  exitStopped.delete(index);
  Atomics.store(workers, i + W.THREAD_SLOT, -1);
  // ALIVE before LEAVING: an idle worker deciding to leave reads ALIVE - LEAVING (entry.ts, tryLeave), which
  // must never rise on the way, or two workers could leave where one may (the pool fell below its minimum).
  Atomics.sub(counters, C.WORKERS_ALIVE, 1);
  if (left) Atomics.sub(counters, C.WORKERS_LEAVING, 1);
  freed(index);
  if (stopping) {
    stopping.pending.delete(index);
    maybeStopped();
  }
}

let stopping: { pending: Set<number>; count: number } | undefined;
function maybeStopped(): void {
  if (stopping && stopping.pending.size === 0) {
    const count = stopping.count;
    stopping = undefined;
    send({ type: "done", count });
  }
}

parentPort!.on("message", (msg: ToSupervisor) => {
  if (msg.type === "spawn") {
    for (let n = 0; n < msg.count; n++) {
      try {
        spawn(WS.BOOTING);
      } catch (err) {
        process.stderr.write(`threadlab: ${String(err)}\n`);
      } finally {
        Atomics.sub(counters, C.SPAWNS_ASKED, 1); // booting now (or never): no longer on its way as asked
      }
    }
  } else if (msg.type === "stopDaemons") {
    stopping = { pending: new Set(), count: 0 };
    for (const [index, worker] of pool) {
      const i = index * W.STRIDE;
      if (stateOf(index) === WS.RUN && Atomics.load(workers, i + W.DAEMON) === 1) {
        stopping.pending.add(index);
        stopping.count++;
        void worker.terminate();
      }
    }
    for (const index of adopted) {
      if (stateOf(index) === WS.RUN && Atomics.load(workers, index * W.STRIDE + W.DAEMON) === 1) {
        stopping.pending.add(index);
        stopping.count++;
        terminateMine(index);
      }
    }
    maybeStopped();
  } else if (msg.type === "adopt") adopt(msg);
  else if (msg.type === "adoptDead") {
    adopted.add(msg.index);
    if (msg.error) deaths.set(msg.index, Object.assign(new Error(msg.error.message), msg.error));
    onExit(msg.index, undefined);
  } else if (msg.type === "start") onWorkerMessage(msg);
});

for (let n = 0; n < setup.spawnFirst; n++) {
  spawn(WS.BOOTING);
  Atomics.sub(counters, C.SPAWNS_ASKED, 1);
}

// An error of the supervisor's own would leave starts waiting for workers that never come: main is told
// (on the control port, which it reads while it blocks) and its waits wake; then the supervisor ends.
process.on("uncaughtException", (err) => {
  try {
    send({ type: "supervisorFailed", error: err.stack ?? String(err) });
  } finally {
    wakeStarters();
    process.exit(1);
  }
});

// How many cores other programs leave to this process: spinning waits stop when there are none.
watchLoad();
