/**
 * Imported first by the library's index: in the process's main thread,
 * spawns the first pool worker before the rest of the library loads, so that
 * the first thread a script starts finds a worker ready or nearly so (the
 * supervisor follows with that first thread: see pool.ts). Idle workers never
 * keep the process alive.
 */
import { isPoolOwner } from "../state/buffers";

// The pool is main's alone: a worker never loads it (nor what it imports).
if (isPoolOwner && process.env.THREADLAB_LAZY_POOL !== "1") (require("./pool") as typeof import("./pool")).warm();
