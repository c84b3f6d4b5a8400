/**
 * How our own workers are created. They start with the process's Node flags
 * minus preloads (`-r ts-node/register`, `--import`, loaders): they run only
 * threadlab's compiled JavaScript, and a preload in every nested worker costs
 * hundreds of milliseconds each and was seen to hang worker start-up under
 * ts-node. A thread that imports a TypeScript module registers ts-node in its
 * worker on demand instead (see entry.ts).
 *
 * And how a pool worker is spawned, by the supervisor or (the first) by main.
 */
import * as path from "path";
import { MessageChannel, Worker, type MessagePort, type WorkerOptions } from "worker_threads";
import { C, W, type SharedBuffers } from "../state/layout";
import { WS, spawnInto } from "./lifecycle";

const PRELOAD = ["-r", "--require", "--import", "--loader", "--experimental-loader"];

/** The process's flags without preloads, or undefined when there are none (then workers inherit all). */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] | undefined {
  const out: string[] = [];
  let dropped = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (PRELOAD.includes(arg)) {
      i++; // and its value
      dropped = true;
    } else if (PRELOAD.some((flag) => arg.startsWith(flag + "="))) dropped = true;
    else out.push(arg);
  }
  return dropped ? out : undefined;
}

/**
 * Per-worker heap limit in MiB from THREADLAB_WORKER_MAX_OLD_MB (unset: V8's
 * default). A thread that goes over it dies alone; its joiners wake and its
 * cell gets the error.
 */
function resourceLimits(): WorkerOptions["resourceLimits"] {
  const mb = Number(process.env.THREADLAB_WORKER_MAX_OLD_MB);
  return mb > 0 ? { maxOldGenerationSizeMb: mb } : undefined;
}

/** Creates a worker; `capped`: a pool worker, which runs threads, gets the heap limit (the supervisor does not). */
export function createWorker(file: string, options: WorkerOptions, capped = true): Worker {
  const base = { ...options, resourceLimits: capped ? resourceLimits() : undefined, stdout: false, stderr: false };
  const execArgv = workerExecArgv();
  if (!execArgv) return new Worker(file, base);
  try {
    return new Worker(file, { ...base, execArgv });
  } catch (err) {
    // Some flags are per-process (e.g. --max-old-space-size) and may not be passed to a worker.
    if ((err as NodeJS.ErrnoException).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw err;
    return new Worker(file, { ...base, execArgv: [] });
  }
}

/** What every pool worker is given, whoever spawns it. */
export interface PoolSetup {
  buffers: SharedBuffers;
  poolMin: number;
  idleSeconds: number;
  /** In the kernel: the shared output ring every pool worker writes cell output to. */
  outputRing?: SharedArrayBuffer;
  /** The workers' code caches, read once by main (worker/bundle.ts, workerCodeCaches). */
  codeCaches?: Record<string, SharedArrayBuffer>;
}

/** A pool worker just spawned, and the ends of its channels that others keep. */
export interface PoolWorker {
  worker: Worker;
  index: number;
  gen: number;
  /** Main's end of the port tasks are posted on. */
  port: MessagePort;
  /** The supervisor's end of the worker's connection to the directory of shared buffers. */
  directory: { port: MessagePort; mailbox: SharedArrayBuffer };
  /** The watcher's end of a port that closes when the worker dies (for a worker the supervisor did not spawn). */
  life?: MessagePort;
}

/**
 * Spawns a pool worker into a free slot of the worker table, in `state` (BOOTING for a spare,
 * CLAIMED for a task its spawner places at once). The supervisor spawns them; main spawns the
 * very first (see pool.ts) and gives the supervisor its `life` port to watch it by.
 * Returns undefined when every slot is taken.
 */
export function spawnPoolWorker(
  state: typeof WS.BOOTING | typeof WS.CLAIMED,
  setup: PoolSetup,
  watched = false,
): PoolWorker | undefined {
  const index = spawnInto(state);
  if (index < 0) return undefined;
  const workers = new Int32Array(setup.buffers.workers);
  const counters = new Int32Array(setup.buffers.counters);
  const i = index * W.STRIDE;
  const gen = Atomics.add(workers, i + W.GEN, 1) + 1;
  Atomics.store(workers, i + W.TID, 0);
  Atomics.store(workers, i + W.THREAD_SLOT, -1);
  Atomics.store(workers, i + W.EXITING, 0);
  Atomics.add(counters, C.WORKERS_ALIVE, 1);
  Atomics.add(counters, C.WORKERS_BOOTING, 1);
  const main = new MessageChannel();
  const dir = new MessageChannel();
  const life = watched ? new MessageChannel() : undefined;
  const mailbox = new SharedArrayBuffer(4);
  const worker = createWorker(path.join(__dirname, "boot.js"), {
    workerData: {
      threadlabEntry: "worker/entry.js",
      threadlab: { buffers: setup.buffers, index },
      mainPort: main.port2,
      directory: { port: dir.port2, mailbox },
      life: life?.port2,
      outputRing: setup.outputRing,
      codeCaches: setup.codeCaches,
      poolMin: setup.poolMin,
      idleSeconds: setup.idleSeconds,
    },
    transferList: life ? [main.port2, dir.port2, life.port2] : [main.port2, dir.port2],
  });
  return { worker, index, gen, port: main.port1, directory: { port: dir.port1, mailbox }, life: life?.port1 };
}
