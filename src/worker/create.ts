/**
 * How our own workers are created. They start with the process's Node flags
 * minus preloads (`-r ts-node/register`, `--import`, loaders): they run only
 * threadlab's compiled JavaScript, and a preload in every nested worker costs
 * hundreds of milliseconds each and was seen to hang worker start-up under
 * ts-node. A thread that imports a TypeScript module registers ts-node in its
 * worker on demand instead (see entry.ts).
 */
import { Worker, type WorkerOptions } from "worker_threads";

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

export function createWorker(file: string, options: WorkerOptions): Worker {
  const base = { ...options, resourceLimits: resourceLimits(), stdout: false, stderr: false };
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
