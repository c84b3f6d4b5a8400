/**
 * Where a thread's output goes. The sink is chosen when the thread starts and
 * travels with it as a small descriptor; the receiving thread opens it. The
 * kinds: the terminal (terminal.ts) and, in the kernel, a cell (cell-sink.ts).
 */

export type Stream = "stdout" | "stderr";

export interface SinkDescriptor {
  kind: string;
  [key: string]: unknown;
}

export interface Sink {
  write(stream: Stream, data: string | Uint8Array): void;
}

const openers = new Map<string, (desc: SinkDescriptor) => Sink>();

/** Registers how a sink of `kind` is opened in the thread that writes to it. */
export function registerSinkKind(kind: string, open: (desc: SinkDescriptor) => Sink): void {
  openers.set(kind, open);
}

export function openSink(desc: SinkDescriptor): Sink {
  const open = openers.get(desc.kind);
  if (!open) throw new Error(`threadlab: unknown output sink kind '${desc.kind}'`);
  return open(desc);
}

export const TERMINAL: SinkDescriptor = { kind: "terminal" };

let chooser: () => SinkDescriptor = () => TERMINAL;
let hosted = false;

/**
 * Sets how the main thread picks the sink of a thread it starts (the kernel
 * picks the running cell). Threads started by threads inherit their sink.
 */
export function setSinkChooser(choose: () => SinkDescriptor): void {
  chooser = choose;
  hosted = true;
}

/** Whether a host (the kernel) has taken over output in this process's main thread: not a plain script. */
export function isHosted(): boolean {
  return hosted;
}

export function chooseSink(): SinkDescriptor {
  return chooser();
}
