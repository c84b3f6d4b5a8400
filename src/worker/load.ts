/**
 * The machine's load, as the spin policy needs it (state/spin.ts): every
 * LOAD_MS the supervisor reads how busy the machine's cores were (Linux's
 * /proc/stat, else os.cpus()), takes away what this process used itself
 * (process.cpuUsage() counts every thread of the process, spinners included),
 * and sets C.SPIN_CORES to the cores left to the process. Time stolen by a
 * hypervisor counts as busy: a spinner on a vCPU the host does not run is
 * wasted too. Two busy programs on a 2-core machine leave 0: nobody spins.
 * A short window (50 ms; /proc/stat counts in 10 ms ticks) so that a load that
 * has ended stops holding spinning back within a few hand-offs' time.
 */
import { readFileSync } from "fs";
import { availableParallelism, cpus } from "os";
import { setSpinCores } from "../state/spin";

export const LOAD_MS = 50;

/** Busy and total time of all cores so far, in milliseconds. */
function machineTimes(): { busy: number; total: number } {
  try {
    // cpu  user nice system idle iowait irq softirq steal ... (in USER_HZ ticks, 10 ms on Linux)
    const f = readFileSync("/proc/stat", "latin1").slice(0, 256).split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = f[3] + f[4];
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) * 10, total: total * 10 };
  } catch {
    let busy = 0;
    let total = 0;
    for (const c of cpus()) {
      const t = c.times;
      busy += t.user + t.nice + t.sys + t.irq;
      total += t.user + t.nice + t.sys + t.irq + t.idle;
    }
    return { busy, total };
  }
}

/** Starts measuring; the timer does not keep the supervisor alive. */
export function watchLoad(): void {
  const cores = availableParallelism();
  let last = machineTimes();
  let ours = process.cpuUsage();
  setInterval(() => {
    const now = machineTimes();
    const mine = process.cpuUsage(ours);
    ours = process.cpuUsage();
    const total = now.total - last.total;
    if (total <= 0) return;
    const busyCores = ((now.busy - last.busy) / total) * cores;
    const ourCores = (mine.user + mine.system) / 1000 / (total / cores);
    last = now;
    const others = Math.max(0, busyCores - ourCores);
    setSpinCores(Math.min(cores, Math.round(cores - others)));
  }, LOAD_MS).unref();
}
