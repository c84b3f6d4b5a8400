/**
 * The pool, as the main thread sees it. Workers are spawned and watched by a
 * supervisor worker (whose event loop is always free, so it notices a worker
 * that dies even while main is blocked), but main posts each task straight to
 * the worker it claims: starting a thread on a warm worker is one CAS, one
 * postMessage and one futex wake.
 *
 * Claiming: a starter swings a worker's state word IDLE→CLAIMED with a CAS
 * (so two starters never take the same worker), posts the task on that
 * worker's port, then stores RUN and wakes it. postMessage queues the task on
 * the receiving port before it returns, so the worker that sees RUN finds it.
 */
import * as path from "path";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "worker_threads";
import { RuntimeError } from "../errors";
import { sharedState } from "../state/buffers";
import { C, W } from "../state/layout";
import { waitWord } from "../sync/wait";
import { runAtExit } from "../thread/atexit";
import type { Task } from "../thread/task";
import { claim, giveBack, isGone, post, stateOf, WS } from "./lifecycle";
import type { ToMain, ToSupervisor } from "./messages";
import { createWorker } from "./create";
import { installMainUncaught } from "./uncaught";

interface Known {
  index: number;
  gen: number;
  port: MessagePort;
}

const known: Known[] = [];
/** A starter that waits this long for a busy worker asks for a new one, and for more every BOOT_MS. */
const GROW_AFTER_MS = 1;
const BOOT_MS = 20;
const MAX_SPARES = 8;
let supervisor: Worker | undefined;
let control: MessagePort | undefined;
const reply = new Int32Array(new SharedArrayBuffer(4));
let hint = 0;

/** Minimum number of warm workers kept, and how long a spare worker may idle before it exits. */
export const POOL_MIN = Number(process.env.THREADLAB_POOL_MIN ?? 2);
export const IDLE_SECONDS = Number(process.env.THREADLAB_IDLE_SECONDS ?? 10);

function handle(msg: ToMain): void {
  if (msg.type === "port") {
    const at = known.findIndex((k) => k.index === msg.index);
    const entry = { index: msg.index, gen: msg.gen, port: msg.port };
    if (at >= 0) known[at] = entry;
    else known.push(entry);
  }
}

/** Reads every message the supervisor has sent, without waiting. */
function drain(): void {
  if (!control) return;
  for (let m = receiveMessageOnPort(control); m; m = receiveMessageOnPort(control)) handle(m.message as ToMain);
}

let outputRing: SharedArrayBuffer | undefined;

/**
 * In the kernel: gives every pool worker the shared ring that carries cell
 * output to the kernel's I/O thread. Call it before the first thread starts
 * (the kernel loads threadlab with THREADLAB_LAZY_POOL=1).
 */
export function setOutputRing(ring: SharedArrayBuffer): void {
  if (supervisor) throw new RuntimeError("setOutputRing() must come before the pool starts");
  outputRing = ring;
}

function ensureSupervisor(): void {
  if (supervisor) return;
  const s = sharedState();
  const { port1, port2 } = new MessageChannel();
  control = port1;
  const transferList: MessagePort[] = [port2];
  supervisor = createWorker(path.join(__dirname, "supervisor.js"), {
    workerData: {
      threadlab: { buffers: s.buffers, index: -1 },
      control: port2,
      reply: reply.buffer,
      poolMin: POOL_MIN,
      idleSeconds: IDLE_SECONDS,
      outputRing,
    },
    transferList,
  });
  supervisor.unref();
  // If the supervisor itself ever fails, say so loudly: threads could no longer start.
  supervisor.on("error", (err) => {
    process.stderr.write(`threadlab: the worker supervisor failed: ${err.stack ?? err}\n`);
    supervisor = undefined;
  });
  // The end of a script, as CPython's threading._shutdown: the at-exit hooks (executors shut
  // down), then every non-daemon thread is waited for; also after an uncaught error in the main code.
  process.on("beforeExit", () => {
    runAtExit();
    waitForNonDaemonThreads();
  });
  installMainUncaught(waitForNonDaemonThreads);
}

/** Starts the supervisor (which boots the first workers) without waiting for it. */
export function warm(): void {
  ensureSupervisor();
}

/** Sends a request to the supervisor and blocks until it answers. */
function ask(msg: ToSupervisor): ToMain {
  ensureSupervisor();
  Atomics.store(reply, 0, 0);
  supervisor!.postMessage(msg);
  for (;;) {
    const m = receiveMessageOnPort(control!);
    if (m) {
      const msg = m.message as ToMain;
      handle(msg);
      if (msg.type === "done") return msg;
      continue;
    }
    if (!supervisor) throw new RuntimeError("can't start new thread: the worker supervisor is gone");
    waitWord(reply, 0, 0, 50);
    Atomics.store(reply, 0, 0);
  }
}

const genOf = (index: number) => Atomics.load(sharedState().workers, index * W.STRIDE + W.GEN);

/** Takes an idle worker this thread has a port for; returns undefined if none is idle. */
function claimIdle(): Known | undefined {
  let gone = false;
  let found: Known | undefined;
  const count = known.length;
  for (let n = 0; n < count && !found; n++) {
    const at = (hint + n) % count;
    const k = known[at];
    const state = stateOf(k.index);
    if (isGone(state) || genOf(k.index) !== k.gen) {
      gone = true; // that worker has exited; forget its port below
      continue;
    }
    if (state !== WS.IDLE || !claim(k.index)) continue;
    // The slot may have been taken by a newer worker since we read GEN: give it back.
    if (genOf(k.index) !== k.gen) {
      giveBack(k.index);
      gone = true;
      continue;
    }
    hint = at; // try the same worker first next time: it is warm, maybe still spinning
    found = k;
  }
  if (gone) {
    for (let j = known.length - 1; j >= 0; j--) {
      const k = known[j];
      if (isGone(stateOf(k.index)) || genOf(k.index) !== k.gen) known.splice(j, 1);
    }
  }
  return found;
}

/**
 * Waits, asleep so that busy workers get the CPU, until some worker becomes
 * idle, and claims it. Short threads free a worker within microseconds (a loop
 * that starts 1000 tiny threads needs only a few workers), so nothing is
 * spawned during the first millisecond of waiting. After that the pool grows
 * to one worker per alive thread, since threads that block (200 threads
 * meeting at a barrier) each need a worker of their own. Spawned
 * workers join the pool as spares; whichever worker frees up first is taken.
 */
function waitForWorker(): Known {
  const counters = sharedState().counters;
  const started = performance.now();
  let nextGrowth = started + (known.length === 0 ? 0 : GROW_AFTER_MS);
  let spares = 0;
  for (;;) {
    const epoch = Atomics.load(counters, C.IDLE_EPOCH);
    drain();
    const k = claimIdle();
    if (k) return k;
    const now = performance.now();
    if (now >= nextGrowth) {
      // Every alive thread holds a worker, so alive threads + this one is what the pool must
      // reach (workers booting count as reached). Ask for that deficit, plus a few spares
      // that grow (1, 2, 4, 8) while this start keeps waiting: if it still waits after they had
      // time to boot, threads are blocking and more will be needed soon.
      const deficit = Atomics.load(counters, C.ALIVE_THREADS) + 1 - Atomics.load(counters, C.WORKERS_ALIVE);
      const want = Math.max(deficit, 0) + (deficit > 0 ? spares : 0);
      if (want > 0) supervisor!.postMessage({ type: "spawn", count: want } satisfies ToSupervisor);
      spares = Math.min(spares * 2 || 1, MAX_SPARES);
      nextGrowth = now + BOOT_MS;
    }
    if (!supervisor) throw new RuntimeError("can't start new thread: the worker supervisor is gone");
    Atomics.add(counters, C.IDLE_WAITERS, 1);
    try {
      waitWord(counters, C.IDLE_EPOCH, epoch, 1);
    } finally {
      Atomics.sub(counters, C.IDLE_WAITERS, 1);
    }
  }
}

/** Places `task` on an idle worker, waiting for one (and growing the pool) if all are busy; returns its index. */
export function launch(task: Task): number {
  ensureSupervisor();
  drain();
  const k = claimIdle() ?? waitForWorker();
  k.port.postMessage(task);
  post(k.index);
  return k.index;
}

/** Blocks until every non-daemon thread has ended (Python's `threading._shutdown`, first half). */
export function waitForNonDaemonThreads(): void {
  const counters = sharedState().counters;
  for (let n = Atomics.load(counters, C.NON_DAEMON_ALIVE); n > 0; n = Atomics.load(counters, C.NON_DAEMON_ALIVE)) {
    waitWord(counters, C.NON_DAEMON_ALIVE, n, 1000);
  }
}

/**
 * What a script's end does, on demand (a notebook has no end): waits for every
 * non-daemon thread, then stops every daemon thread. Returns how many daemon
 * threads it stopped.
 */
export function shutdown(): number {
  waitForNonDaemonThreads();
  if (!supervisor) return 0;
  const answer = ask({ type: "stopDaemons" });
  return answer.type === "done" ? answer.count : 0;
}

/** How many workers the pool has now (busy, idle or booting). */
export function poolSize(): number {
  return Atomics.load(sharedState().counters, C.WORKERS_ALIVE);
}
