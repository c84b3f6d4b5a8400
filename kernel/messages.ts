/** What the kernel's main thread and its I/O thread (the hub) send each other. */
import type { Header, Message } from "./wire";

/** A piece of a thread's (or a cell's) output, for the cell with id `cell` (read from the output ring). */
export interface OutputChunk {
  cell: number;
  name: "stdout" | "stderr";
  text: string;
}

export type FromMain =
  | { type: "cell"; cell: number; header: Header; count: number; code?: string }
  | { type: "iopub"; msgType: string; content: unknown; cell?: number; parent?: Header }
  | { type: "status"; state: "busy" | "idle"; parent: Header }
  | { type: "reply"; socket: "shell" | "control"; request: Message; msgType: string; content: unknown }
  /** The compiler is warm: kernel_info may be answered. */
  | { type: "ready" }
  /** A cell asked the kernel to exit (`exit`, `quit`): close the sockets, then main exits. */
  | { type: "exit" };

export type ToMain =
  | { type: "request"; socket: "shell" | "control"; msg: Message }
  /** The sockets are closed: exit. */
  | { type: "shutdown" }
  /**
   * An interrupt_request came (the shared flag is set too): it ends a cell's top-level await; or,
   * `dump`, a second one while the first has not ended the cell: main prints dumpThreads().
   */
  | { type: "interrupt"; dump?: boolean }
  /** The parent died (or the sockets could not be bound): exit now. */
  | { type: "exit-now"; code?: number };
