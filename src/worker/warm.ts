/**
 * Imported first by the library's index: in the process's main thread,
 * starts the supervisor (which spawns the first workers) before the rest of
 * the library loads, so that the first thread a script starts finds a worker
 * ready or nearly so. Idle workers never keep the process alive.
 */
import { isPoolOwner } from "../state/buffers";
import { warm } from "./pool";

if (isPoolOwner && process.env.THREADLAB_LAZY_POOL !== "1") warm();
