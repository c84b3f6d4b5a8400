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
import { os } from "../state/builtins";
import { monotonicMs } from "../state/clock";
import { setDirectory } from "../state/directory";
import { C, W } from "../state/layout";
import type { Task } from "../thread/task";
import { claim, giveBack, hasBooted, isGone, post, stateOf, WS } from "./lifecycle";
import { bootFailedMessage, type ToMain, type ToSupervisor } from "./messages";
import { createWorker, spawnPoolWorker, workerExecArgv } from "./create";

// What only a start or the end needs, loaded then: the first worker is spawned as the library begins
// to load (warm.ts), and each module loaded before that delays it (3.5 ms of 11, here).
const waitModule = () => require("../sync/wait") as typeof import("../sync/wait");
const waitsModule = () => require("../state/waits") as typeof import("../state/waits");
const atExitModule = () => require("../thread/atexit") as typeof import("../thread/atexit");
const uncaughtModule = () => require("./uncaught") as typeof import("./uncaught");

interface Known {
  index: number;
  gen: number;
  port: MessagePort;
}

const known: Known[] = [];
/** A starter that waits this long for a busy worker asks for a new one, and for more every BOOT_MS. */
const GROW_AFTER_MS = 1;
/** A start that waits this long for a worker starts the supervisor, which sees a worker that dies booting. */
const SUPERVISE_AFTER_MS = 100;
let supervisor: Worker | undefined;
let control: MessagePort | undefined;
const reply = new Int32Array(new SharedArrayBuffer(4));
let hint = 0;
const mainMailbox = new SharedArrayBuffer(4);
// The directory lives in the supervisor: a first use of it starts the supervisor.
setDirectory(() => {
  ensureSupervisor();
  return directoryConnection!;
});
let directoryConnection: { port: MessagePort; mailbox: Int32Array } | undefined;

/** Minimum number of warm workers kept, and how long a spare worker may idle before it exits. */
export const POOL_MIN = Number(process.env.THREADLAB_POOL_MIN ?? 2);
export const IDLE_SECONDS = Number(process.env.THREADLAB_IDLE_SECONDS ?? 10);

/** How many new workers have died before running a thread, and why the last one did. */
let bootFailures = 0;
let lastBootFailure = "";

function handle(msg: ToMain): void {
  if (msg.type === "terminate") stopMineIfAsked();
  else if (msg.type === "bootFailed") {
    bootFailures++;
    lastBootFailure = msg.error;
  } else if (msg.type === "supervisorFailed") supervisorFailed(msg.error);
  else if (msg.type === "port") {
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

let caches: Record<string, SharedArrayBuffer> | undefined;
/** The pool workers' code caches in shared memory, read once (see worker/bundle.ts). */
const codeCaches = () =>
  (caches ??= (require("./bundle") as typeof import("./bundle")).workerCodeCaches(workerExecArgv() ?? process.execArgv));

/**
 * In the kernel: gives every pool worker the shared ring that carries cell
 * output to the kernel's I/O thread. Call it before the first thread starts
 * (the kernel loads threadlab with THREADLAB_LAZY_POOL=1).
 */
export function setOutputRing(ring: SharedArrayBuffer): void {
  if (supervisor || firstSpawned) throw new RuntimeError("setOutputRing() must come before the pool starts");
  outputRing = ring;
}

/** Whether the supervisor failed: then it is not started again, and starts say so. */
let supervisorGone = false;

function supervisorFailed(error: string): void {
  if (supervisorGone) return;
  process.stderr.write(`threadlab: the worker supervisor failed: ${error}\n`);
  supervisor = undefined;
  supervisorGone = true;
}

function ensureSupervisor(): void {
  if (supervisor || supervisorGone) return;
  const s = sharedState();
  const { port1, port2 } = new MessageChannel();
  control = port1;
  // Read at once by requests (receiveMessageOnPort), and by main's event loop when it is free.
  port1.on("message", (msg: ToMain) => handle(msg));
  port1.unref();
  const directory = new MessageChannel();
  directoryConnection = { port: directory.port1, mailbox: new Int32Array(mainMailbox) };
  setDirectory(directoryConnection);
  const transferList: MessagePort[] = [port2, directory.port2];
  spawnFirst();
  const first = mine ? 1 : 0;
  supervisor = createWorker(
    path.join(__dirname, "boot.js"),
    {
      workerData: {
        threadlabEntry: "worker/supervisor.js",
        threadlab: { buffers: s.buffers, index: -1 },
        control: port2,
        reply: reply.buffer,
        directory: { port: directory.port2, mailbox: mainMailbox },
        poolMin: POOL_MIN,
        idleSeconds: IDLE_SECONDS,
        spawnFirst: POOL_MIN - first,
        outputRing,
        codeCaches: codeCaches(),
      },
      transferList,
    },
    false,
  );
  supervisor.unref();
  // The supervisor spawns the rest of the first POOL_MIN workers as it boots: they are on their way already.
  Atomics.add(s.counters, C.SPAWNS_ASKED, POOL_MIN - first);
  if (adoption) {
    supervisor.postMessage(adoption.msg, adoption.transfer);
    adoption = undefined;
  }
  // The supervisor may now ask for main's worker to be stopped while main blocks: main's waits look between slices.
  if (mine) mine.unhook = waitModule().addMainWaitHook(stopMineIfAsked);
  // If the supervisor itself ever fails, say so loudly: threads could no longer start. (Its own errors
  // come as a message main reads even while it blocks; this is for the rest, e.g. a failed spawn.)
  supervisor.on("error", (err) => supervisorFailed(err.stack ?? String(err)));
  // The end of a script, as CPython's threading._shutdown: the at-exit hooks (executors shut
  // down), then every non-daemon thread is waited for; also after an uncaught error in the main code.
  process.on("beforeExit", () => {
    atExitModule().runAtExit();
    waitForNonDaemonThreads();
  });
  uncaughtModule().installMainUncaught(waitForNonDaemonThreads);
}

/** The worker main spawned (see spawnFirst); the supervisor watches it by its life port. */
let mine: { worker: Worker; index: number; unhook?: () => void } | undefined;
let firstSpawned = false;
/** What tells the supervisor of that worker, until there is a supervisor. */
let adoption: { msg: ToSupervisor; transfer: MessagePort[] } | undefined;

/**
 * Main spawns the first worker itself as the library loads, and the supervisor only when a thread
 * first starts: booting side by side on a machine's few cores, isolates slow each other down, and
 * the first thread would wait for the supervisor's boot and then its worker's. Until then that
 * worker runs nothing, so nothing needs to watch it.
 */
function spawnFirst(): void {
  if (firstSpawned) return;
  firstSpawned = true;
  if (POOL_MIN <= 0) return;
  const made = spawnPoolWorker(
    WS.BOOTING,
    { buffers: sharedState().buffers, poolMin: POOL_MIN, idleSeconds: IDLE_SECONDS, outputRing, codeCaches: codeCaches() },
    true,
  );
  if (!made) return;
  const { worker, index } = made;
  worker.unref();
  known.push({ index, gen: made.gen, port: made.port });
  mine = { worker, index };
  adoption = {
    msg: { type: "adopt", index, directory: made.directory, life: made.life! },
    transfer: [made.directory.port, made.life!],
  };
  let died: NodeJS.ErrnoException | undefined;
  worker.on("error", (err: NodeJS.ErrnoException) => {
    died = err;
    // Running out of memory is reported by the supervisor, to the thread's own output; an error as it
    // boots by the start() that waits for it (see waitForWorker).
    if (err.code !== "ERR_WORKER_OUT_OF_MEMORY" && hasBooted(index))
      process.stderr.write(`threadlab: a pool worker failed: ${err.stack ?? String(err)}\n`);
  });
  worker.on("exit", () => {
    if (mine?.worker !== worker) return;
    mine.unhook?.();
    mine = undefined;
    // Dead before there is a supervisor (its ports with it): the supervisor, when it comes, is told so.
    if (adoption) {
      const error = died && { message: died.message, code: died.code, stack: died.stack };
      adoption = { msg: { type: "adoptDead", index, error }, transfer: [] };
    }
  });
}

/** Stops the worker main spawned if the supervisor asked for it (see supervisor.ts, terminateMine). */
function stopMineIfAsked(): void {
  const counters = sharedState().counters;
  const asked = Atomics.load(counters, C.TERMINATE_MINE);
  if (asked === 0 || Atomics.compareExchange(counters, C.TERMINATE_MINE, asked, 0) !== asked) return;
  if (mine?.index === asked - 1) void mine.worker.terminate();
}

/** Starts booting the first worker, without waiting for it. */
export function warm(): void {
  spawnFirst();
}

/** Sends a request to the supervisor and blocks until it answers. */
function ask(msg: ToSupervisor): ToMain {
  ensureSupervisor();
  if (!supervisor) throw new RuntimeError("the worker supervisor is gone");
  Atomics.store(reply, 0, 0);
  supervisor.postMessage(msg);
  for (;;) {
    const m = receiveMessageOnPort(control!);
    if (m) {
      const msg = m.message as ToMain;
      handle(msg);
      if (msg.type === "done") return msg;
      continue;
    }
    if (!supervisor) throw new RuntimeError("can't start new thread: the worker supervisor is gone");
    waitModule().waitWord(reply, 0, 0, 50);
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

/** Memory a new worker takes (an isolate of its own), and memory always left to the process and the machine. */
const WORKER_MB = 12;
const RESERVE_MB = Number(process.env.THREADLAB_MEMORY_RESERVE_MB ?? 256);

/**
 * A thread that must wait for a new worker needs an isolate's worth of memory: refuses to start
 * one, as CPython does when the system cannot make a thread, rather than letting the process die.
 */
function memoryLeft(): number {
  const free = os().freemem() / 2 ** 20;
  const limit = process.constrainedMemory?.() ?? 0; // a cgroup's limit, if there is one
  return limit > 0 && limit < 2 ** 60 ? Math.min(free, (limit - process.memoryUsage.rss()) / 2 ** 20) : free;
}

function checkMemory(workers: number): void {
  const left = memoryLeft();
  if (left < RESERVE_MB + WORKER_MB * workers) {
    const alive = Atomics.load(sharedState().counters, C.ALIVE_THREADS);
    throw new RuntimeError(
      `can't start new thread: ${alive} threads are alive and ${Math.round(left)} MiB of memory is left; a thread that waits ` +
        `needs a worker of its own (about ${WORKER_MB} MiB), and ${RESERVE_MB} MiB stay free for the rest ` +
        `(THREADLAB_MEMORY_RESERVE_MB)`,
    );
  }
}

/** Starts in a row that each had to wait for a new worker: threads are blocking and piling up. */
let misses = 0;
/** At most this many workers on their way beyond the starters waiting now. */
const MAX_AHEAD = 16;

/**
 * Waits, asleep so that busy workers get the CPU, until some worker becomes
 * idle, and claims it. Short threads free a worker within microseconds (a loop
 * that starts 1000 tiny threads needs only a few workers), so nothing is
 * spawned during the first millisecond of waiting. After that the pool grows
 * by what the starters waiting for a worker need beyond the workers already on
 * their way (booting, or asked for and not yet spawned) — a slow boot on a
 * loaded machine is not a reason to ask again.
 *
 * One more thing: `start()` returns only once its thread runs, so starts come
 * one at a time, and if each asked for just its own worker, threads that
 * block (100 threads each sleeping a second) would boot their workers one
 * after another. So when starts keep finding no idle worker, each asks for a
 * few more ahead (1, 2, 4... up to MAX_AHEAD), letting workers boot side by
 * side; a start that finds an idle worker resets that, so a program whose
 * threads end quickly never grows the pool beyond what it uses.
 */
function waitForWorker(): Known {
  const counters = sharedState().counters;
  const growAt = monotonicMs() + (known.length === 0 ? 0 : GROW_AFTER_MS);
  Atomics.add(counters, C.IDLE_WAITERS, 1);
  let grew = false;
  const failuresBefore = bootFailures;
  // The supervisor starts with the first thread, once its worker is placed (see launch); but only the
  // supervisor sees a worker die, so a start that waits long for the first worker starts it now.
  const watchAt = monotonicMs() + SUPERVISE_AFTER_MS;
  try {
    for (;;) {
      const epoch = Atomics.load(counters, C.IDLE_EPOCH);
      drain();
      const k = claimIdle();
      if (k) {
        if (grew) misses++;
        return k;
      }
      if (monotonicMs() >= growAt) {
        grew = true;
        const waiting = Atomics.load(counters, C.IDLE_WAITERS);
        const ahead = misses > 0 ? Math.min(MAX_AHEAD, 2 ** (misses - 1)) : 0;
        const coming = Atomics.load(counters, C.WORKERS_BOOTING) + Atomics.load(counters, C.SPAWNS_ASKED);
        // This start's own worker must be had, or start() says why; spares only while memory is plenty.
        if (waiting > coming) checkMemory(1);
        const want = waiting - coming + (memoryLeft() >= RESERVE_MB + WORKER_MB * (ahead + 1) ? ahead : 0);
        if (want > 0) {
          ensureSupervisor();
          Atomics.add(counters, C.SPAWNS_ASKED, want);
          supervisor!.postMessage({ type: "spawn", count: want } satisfies ToSupervisor);
        }
      }
      if (!supervisor && monotonicMs() >= watchAt) ensureSupervisor();
      if (supervisorGone) throw new RuntimeError("can't start new thread: the worker supervisor is gone");
      // A worker that dies as it starts would be followed by another, and another: say why instead.
      if (bootFailures > failuresBefore) throw new RuntimeError(bootFailedMessage(lastBootFailure));
      waitModule().waitWord(counters, C.IDLE_EPOCH, epoch, 1);
    }
  } finally {
    Atomics.sub(counters, C.IDLE_WAITERS, 1);
  }
}

/** Places `task` on an idle worker, waiting for one (and growing the pool) if all are busy; returns its index. */
export function launch(task: Task): number {
  spawnFirst();
  drain();
  let k = claimIdle();
  if (k)
    misses = 0; // a worker was free: threads are not piling up
  else k = waitForWorker();
  k.port.postMessage(task);
  post(k.index);
  // Only now, so that it does not slow the first thread's worker down as it boots: until the
  // supervisor is up, what the thread sends it (a death, a thread it starts) waits in its ports.
  ensureSupervisor();
  return k.index;
}

/** Blocks until every non-daemon thread has ended (Python's `threading._shutdown`, first half). */
export function waitForNonDaemonThreads(): void {
  const counters = sharedState().counters;
  if (Atomics.load(counters, C.NON_DAEMON_ALIVE) === 0) return;
  // In its wait record, as a join: a deadlock report counts this thread as waiting, not running.
  const { WAIT, beginWait, endWait } = waitsModule();
  const { waitWord } = waitModule();
  beginWait(WAIT.JOIN, "non-daemon threads");
  try {
    for (let n = Atomics.load(counters, C.NON_DAEMON_ALIVE); n > 0; n = Atomics.load(counters, C.NON_DAEMON_ALIVE)) {
      waitWord(counters, C.NON_DAEMON_ALIVE, n, 1000);
    }
  } finally {
    endWait();
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
