/**
 * Imported first by the library's index: in the process's main thread,
 * spawns the first pool worker before the rest of the library loads, so that
 * the first thread a script starts finds a worker ready or nearly so (the
 * supervisor follows with that first thread: see pool.ts). Idle workers never
 * keep the process alive.
 */
import { isPoolOwner } from "../state/buffers";
import { warm } from "./pool";

if (isPoolOwner && process.env.THREADLAB_LAZY_POOL !== "1") warm();
