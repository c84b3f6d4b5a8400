/**
 * What the wait records (state/waits.ts) are shown as: `dumpThreads()`, every
 * alive thread and what it does now, as `py-spy dump` shows a Python
 * process's threads; and where a deadlock report (sync/deadlock.ts) is
 * written: on the stderr of each involved thread's output — in the kernel,
 * each thread's own cell, in a script the terminal (once).
 */
import { sharedState } from "../state/buffers";
import { C, MAX_THREADS, T, W } from "../state/layout";
import { mySlot } from "../state/me";
import { WAIT, readWait, type WaitRecord } from "../state/waits";
import { codeName, describeObject, setDeadlockWriter } from "../sync/deadlock";
import { cellSink } from "../output/cell-sink";
import { print } from "../output/print";
import { TERMINAL, isHosted, openSink } from "../output/sinks";
import "../output/terminal";
import { aliveSlots } from "./registry";

function seconds(since: number): string {
  return `${(Math.max(0, Date.now() - since) / 1000).toFixed(1)} s`;
}

/** What the thread whose record is `rec` does now, in words. */
export function describeWait(rec: WaitRecord): string {
  const what = describeObject(rec.kind, rec.name);
  const held = rec.holder ? ` held by ${codeName(rec.holder)}` : "";
  const state: Record<number, string> = {
    [WAIT.LOCK]: `waiting for ${what}${held}`,
    [WAIT.RLOCK]: `waiting for ${what}${held}`,
    [WAIT.JOIN]: `joining ${rec.holder ? codeName(rec.holder) : rec.name}`,
    [WAIT.CONDITION]: `waiting on ${what}`,
    [WAIT.EVENT]: `waiting for ${what}`,
    [WAIT.SEMAPHORE]: `waiting for ${what}`,
    [WAIT.QUEUE_GET]: `waiting to get from ${what}`,
    [WAIT.QUEUE_PUT]: `waiting to put into ${what}`,
    [WAIT.BARRIER]: `waiting at ${what}`,
    [WAIT.SLEEP]: "sleeping",
  };
  return rec.kind === WAIT.NONE ? "running" : `${state[rec.kind] ?? "waiting"} for ${seconds(rec.since)}`;
}

/**
 * Prints every alive thread — its ident, name, whether it is a daemon, and
 * what it does now (running, sleeping, waiting for Lock 'a' held by
 * Thread-2 for 1.2 s, joining Thread-3...) with where it waits when known —
 * to this thread's stdout, and returns the text.
 */
export function dumpThreads(): string {
  const s = sharedState();
  const me = mySlot();
  const threads = [
    { slot: MAX_THREADS, ident: Atomics.load(s.counters, C.MAIN_IDENT), name: "MainThread", daemon: false },
    ...aliveSlots(),
  ];
  const lines = [`Threads (${threads.length} alive):`];
  for (const t of threads) {
    const rec = readWait(t.slot);
    const state = t.slot === me ? "running (calling dumpThreads())" : describeWait(rec);
    lines.push(`Thread ${t.ident} "${t.name}"${t.daemon ? " (daemon)" : ""}: ${state}`);
    if (t.slot !== me && rec.kind !== WAIT.NONE && rec.where) lines.push(`    at ${rec.where}`);
  }
  const text = lines.join("\n");
  print(text);
  return text;
}

interface Output {
  key: string;
  write(text: string): void;
}

const own: Output = { key: "own", write: (text) => process.stderr.write(text) };

/** The output of the thread in `slot` (the main thread's: MAX_THREADS): its cell in the kernel, else the terminal. */
function outputOf(slot: number): Output {
  const s = sharedState();
  const worker = slot === MAX_THREADS ? -1 : Atomics.load(s.threads, slot * T.STRIDE + T.WORKER);
  if (worker < 0) {
    // The main thread: reported by itself, its stderr (the running cell in the kernel); by a worker, that worker's output.
    if (mySlot() !== MAX_THREADS) return outputOf(mySlot());
    return isHosted() ? own : terminal;
  }
  const cell = Atomics.load(s.workers, worker * W.STRIDE + W.SINK_CELL);
  if (cell < 0) return terminal;
  try {
    const sink = openSink(cellSink(cell));
    return { key: `cell ${cell}`, write: (text) => sink.write("stderr", text) };
  } catch {
    return own; // the kernel's main thread, which cannot write to a cell directly: its stderr goes to the running cell
  }
}

const terminal: Output = { key: "terminal", write: (text) => openSink(TERMINAL).write("stderr", text) };

setDeadlockWriter((text, slots) => {
  const done = new Set<string>();
  for (const slot of slots) {
    const out = outputOf(slot);
    if (done.has(out.key)) continue;
    done.add(out.key);
    out.write(text);
  }
});
