/**
 * What the operating system says of one thread of this process: whether it is
 * runnable (running, or waiting for a core) and how long it has run. Linux's
 * /proc/self/task/TID/stat (the state letter) and .../schedstat (time on a
 * core, in ns); undefined elsewhere, or once the thread is gone. Each call reads
 * two small files (about 40 µs): callers ask only when a wait has already
 * lasted milliseconds.
 */
import { readFileSync } from "fs";

export interface Sched {
  /** The state is R: on a core or waiting for one (not asleep in a wait or a system call). */
  runnable: boolean;
  /** Time spent on a core so far, in ms. */
  ranMs: number;
}

export function threadSched(tid: number): Sched | undefined {
  if (process.platform !== "linux" || !(tid > 0)) return undefined;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "latin1");
    // "TID (name) S ...": the name may hold spaces and parentheses, the state follows the last ")".
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    const ranNs = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "latin1").split(" ")[0]);
    if (!Number.isFinite(ranNs)) return undefined;
    return { runnable: state === "R", ranMs: ranNs / 1e6 };
  } catch {
    return undefined;
  }
}
