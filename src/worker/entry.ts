/**
 * The only code that runs inside a pool worker: boot, then wait for a task,
 * run it as one thread (run-thread.ts), wait again; exit when idle too long.
 */
import { readlinkSync } from "fs";
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "worker_threads";
// The whole API is loaded in every worker: what threads call, and every handle type they receive.
import "../index";
import { sharedState } from "../state/buffers";
import { setDirectory } from "../state/directory";
import { C, W } from "../state/layout";
import { installCapture } from "../output/capture";
import { openSink, TERMINAL } from "../output/sinks";
import "../output/terminal";
import "../output/cell-sink";
import { finishSlot } from "../thread/registry";
import { currentTask, type Task } from "../thread/task";
import { WS, booted, exited, leave, sleepWhile, stateOf, wakeStarters, type WorkerState } from "./lifecycle";
import { spinSite, spinUntil } from "../state/spin";
import { trackTimers } from "./leftovers";
import { installStackMapping } from "../transport/stacks";
import { reportException, runThread } from "./run-thread";
import { SystemExit, markExiting } from "../thread/exit";
import { supervisorPort, type ToSupervisor } from "./messages";

/** Where the worker spins for its next task, for a starter posting one, for a posted one to show (state/spin.ts). */
const IDLE_SPIN = spinSite();
const CLAIMED_SPIN = spinSite();
const TASK_SPIN = spinSite();

const setup = workerData as {
  threadlab: { index: number };
  mainPort: MessagePort;
  directory: { port: MessagePort; mailbox: SharedArrayBuffer };
  poolMin: number;
  idleSeconds: number;
};
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

setDirectory({ port: setup.directory.port, mailbox: new Int32Array(setup.directory.mailbox) });
installCapture(openSink(TERMINAL));
trackTimers();
installStackMapping();

// process.exit() in a thread throws SystemExit, which unwinds the thread's with blocks and finallys on
// its way to run-thread, where the thread ends quietly (see thread/exit.ts); the supervisor is told, to
// stop the thread if it catches the SystemExit and goes on. Outside a thread it exits the worker.
const exitWorker = process.exit.bind(process);
process.exit = function exit(code?: number | string | null): never {
  const task = currentTask();
  if (!task) return exitWorker(code ?? undefined);
  markExiting();
  supervisorPort().postMessage({ type: "exiting", word: task.ref.word } satisfies ToSupervisor);
  throw new SystemExit(code);
};

process.on("uncaughtException", (err) => {
  const task = currentTask();
  // A SystemExit thrown outside the thread's own call (in a timer or a callback): it has unwound that
  // callback; the thread ends now, as process.exit() would end it.
  if (task && err instanceof SystemExit) exitWorker(typeof err.code === "number" ? err.code : 0);
  else if (task) void reportException(err, task);
  else process.stderr.write(`threadlab worker: ${err.stack ?? String(err)}\n`);
});
process.on("unhandledRejection", (err) => {
  const task = currentTask();
  if (task && err instanceof SystemExit) exitWorker(typeof err.code === "number" ? err.code : 0);
  else if (task) void reportException(err, task);
});
// process.exit() in a thread ends that thread (its worker goes with it): mark it ended now, so
// joiners wake at once; what it printed is already out, since sinks write synchronously.
process.on("exit", () => {
  const task = currentTask();
  exited(index);
  if (task) finishSlot(task.ref);
});

function takeTask(): Task | undefined {
  const m = receiveMessageOnPort(setup.mainPort) ?? receiveMessageOnPort(parentPort!);
  return m?.message as Task | undefined;
}

/**
 * Idle too long: exit, unless that would leave fewer than the minimum of
 * workers. Workers that time out together each count themselves as leaving
 * first, so that they never all go at once.
 */
function tryLeave(): boolean {
  const leaving = Atomics.add(s.counters, C.WORKERS_LEAVING, 1) + 1;
  if (Atomics.load(s.counters, C.WORKERS_ALIVE) - leaving >= setup.poolMin && leave(index)) {
    return true; // the supervisor takes this worker off WORKERS_ALIVE and WORKERS_LEAVING when it is gone
  }
  Atomics.sub(s.counters, C.WORKERS_LEAVING, 1);
  return false;
}

/** Waits for the next task; returns undefined when this worker should exit (idle too long). */
function nextTask(): Task | undefined {
  const idleMs = setup.idleSeconds * 1000;
  const leaves = (state: WorkerState) => () => stateOf(index) !== state;
  for (;;) {
    const state = stateOf(index);
    if (state === WS.RUN) {
      let task = takeTask();
      // Posted, not yet visible (the starter stores RUN after postMessage): look again shortly.
      if (!task && !spinUntil(() => (task = takeTask()) !== undefined, TASK_SPIN)) sleepWhile(index, WS.RUN, 1);
      if (task) return task;
      continue;
    }
    if (state === WS.BOOTING) {
      if (booted(index)) wakeStarters();
      continue;
    }
    // A starter has claimed this worker and is posting the task: it comes within microseconds.
    if (state === WS.CLAIMED) {
      if (!spinUntil(leaves(WS.CLAIMED), CLAIMED_SPIN)) sleepWhile(index, WS.CLAIMED, 5);
      continue;
    }
    if (state !== WS.IDLE) return undefined;
    // A starter often comes back at once (a loop of start/join): spin briefly before sleeping.
    if (spinUntil(leaves(WS.IDLE), IDLE_SPIN)) continue;
    if (sleepWhile(index, WS.IDLE, idleMs) === "timed-out" && tryLeave()) return undefined;
  }
}

async function serve(): Promise<void> {
  for (let task = nextTask(); task; task = nextTask()) await runThread(task, index);
  setup.mainPort.close();
  setup.directory.port.close();
  parentPort!.close();
}

void serve();
