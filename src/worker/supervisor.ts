/**
 * The supervisor: a worker that spawns the pool's workers and watches them.
 * Its event loop is never blocked by user code, so when a worker dies (out of
 * memory, `process.exit()`, `terminate()`), it marks that worker's thread
 * ended at once and wakes its joiners, even while the main thread blocks.
 */
import * as path from "path";
import { MessageChannel, parentPort, Worker, workerData, type MessagePort } from "worker_threads";
import { C, MAX_WORKERS, W, type SharedBuffers } from "../state/layout";
import { openSink, TERMINAL } from "../output/sinks";
import "../output/terminal";
import { cellSink } from "../output/cell-sink";
import { holderIdOfWorker, releaseIfHeldBy } from "../output/output-lock";
import { formatException } from "../thread/excepthook";
import { aliveSlots, finishSlot, isSlotAlive, type SlotRef } from "../thread/registry";
import type { Task } from "../thread/task";
import { EXIT_GRACE_MS } from "../thread/exit";
import { WS, claim, freed, post, spawnInto, stateOf } from "./lifecycle";
import type { ToMain, ToSupervisor } from "./messages";
import { createWorker } from "./create";

interface Setup {
  threadlab: { buffers: SharedBuffers; index: number };
  control: MessagePort;
  reply: SharedArrayBuffer;
  poolMin: number;
  idleSeconds: number;
  /** In the kernel: the shared output ring every pool worker writes cell output to. */
  outputRing?: SharedArrayBuffer;
}

const setup = workerData as Setup;
const buffers = setup.threadlab.buffers;
const workers = new Int32Array(buffers.workers);
const counters = new Int32Array(buffers.counters);
const reply = new Int32Array(setup.reply);
const pool = new Map<number, Worker>();
const deaths = new Map<number, Error>();
const entry = path.join(__dirname, "entry.js");

function send(msg: ToMain, transfer: MessagePort[] = []): void {
  setup.control.postMessage(msg, transfer);
  Atomics.store(reply, 0, 1);
  Atomics.notify(reply, 0);
}

/** Spawns a worker in `state` (CLAIMED for a task of ours, BOOTING for a spare) and tells main its port. */
function spawn(state: typeof WS.BOOTING | typeof WS.CLAIMED): number {
  const index = spawnInto(state);
  if (index < 0) throw new Error(`can't start new thread: ${MAX_WORKERS} workers already exist`);
  const i = index * W.STRIDE;
  const gen = Atomics.add(workers, i + W.GEN, 1) + 1;
  Atomics.store(workers, i + W.TID, 0);
  Atomics.store(workers, i + W.THREAD_SLOT, -1);
  Atomics.store(workers, i + W.EXITING, 0);
  Atomics.add(counters, C.WORKERS_ALIVE, 1);
  Atomics.add(counters, C.WORKERS_BOOTING, 1);
  const { port1, port2 } = new MessageChannel();
  const transferList: MessagePort[] = [port2];
  const worker = createWorker(entry, {
    workerData: {
      threadlab: { buffers, index },
      mainPort: port2,
      outputRing: setup.outputRing,
      poolMin: setup.poolMin,
      idleSeconds: setup.idleSeconds,
    },
    transferList,
  });
  pool.set(index, worker);
  worker.on("message", (msg: ToSupervisor) => onWorkerMessage(msg, index, worker));
  worker.on("error", (err) => deaths.set(index, err));
  worker.on("exit", () => onExit(index, worker));
  send({ type: "port", index, gen, port: port1 }, [port1]);
  return index;
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
}

function onWorkerMessage(msg: ToSupervisor, index?: number, worker?: Worker): void {
  if (msg.type === "start") {
    try {
      place(msg.task);
    } catch (err) {
      report(msg.task, err as Error);
      finishSlot(msg.task.ref);
    }
  } else if (msg.type === "exiting" && index !== undefined && worker) watchExit(index, worker, msg.word);
}

/**
 * A thread called process.exit() and unwinds (thread/exit.ts). If it is still
 * running, still unwinding, EXIT_GRACE_MS later, it caught the SystemExit and
 * went on: stop it as process.exit() would have, and say so in its output.
 */
function watchExit(index: number, worker: Worker, word: number): void {
  const i = index * W.STRIDE;
  const timer = setTimeout(() => {
    if (pool.get(index) !== worker || Atomics.load(workers, i + W.EXITING) !== 1) return;
    if (Atomics.load(workers, i + W.THREAD_STATE) !== word) return;
    const slot = Atomics.load(workers, i + W.THREAD_SLOT);
    if (slot < 0 || !isSlotAlive({ slot, word })) return;
    const name = aliveSlots().find((t) => t.slot === slot)?.name ?? "<unknown>";
    const cell = Atomics.load(workers, i + W.SINK_CELL);
    try {
      openSink(cell >= 0 && setup.outputRing ? cellSink(cell) : TERMINAL).write(
        "stderr",
        `threadlab: thread ${name} called process.exit() but caught the SystemExit it throws and went on; ` +
          `it was stopped ${EXIT_GRACE_MS / 1000} s later. Rethrow SystemExit (if (e instanceof SystemExit) throw e) to end the thread at once\n`,
      );
    } catch {
      /* its output is gone: stop it all the same */
    }
    void worker.terminate();
  }, EXIT_GRACE_MS);
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
    openSink(task.sink).write("stderr", formatException(excepthookArgs));
  } catch {
    /* the sink is gone too: nothing left to tell */
  }
}

function onExit(index: number, worker: Worker): void {
  if (pool.get(index) !== worker) return;
  pool.delete(index);
  const i = index * W.STRIDE;
  if (stateOf(index) === WS.LEFT) Atomics.sub(counters, C.WORKERS_LEAVING, 1);
  if (Atomics.load(workers, i + W.TID) === 0) Atomics.sub(counters, C.WORKERS_BOOTING, 1); // died booting
  const slot = Atomics.load(workers, i + W.THREAD_SLOT);
  if (slot >= 0) {
    const ref: SlotRef = { slot, word: Atomics.load(workers, i + W.THREAD_STATE) };
    // A thread that called process.exit() has already ended itself, quietly, as
    // sys.exit() does in Python; one that died (out of memory) is reported here.
    const err = deaths.get(index);
    if (err && isSlotAlive(ref)) {
      const name = aliveSlots().find((t) => t.slot === slot)?.name ?? "<unknown>";
      // The thread's own cell in the kernel (the worker noted it), else the terminal.
      const cell = Atomics.load(workers, i + W.SINK_CELL);
      report({ name, sink: cell >= 0 && setup.outputRing ? cellSink(cell) : TERMINAL }, err);
    }
    finishSlot(ref);
  }
  // A worker terminated in the middle of a write still holds the output lock: free it.
  releaseIfHeldBy(holderIdOfWorker(index));
  deaths.delete(index);
  Atomics.store(workers, i + W.THREAD_SLOT, -1);
  Atomics.sub(counters, C.WORKERS_ALIVE, 1);
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
    try {
      for (let n = 0; n < msg.count; n++) spawn(WS.BOOTING);
    } catch (err) {
      process.stderr.write(`threadlab: ${String(err)}\n`);
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
    maybeStopped();
  } else if (msg.type === "start") onWorkerMessage(msg);
});

for (let n = 0; n < setup.poolMin; n++) spawn(WS.BOOTING);
