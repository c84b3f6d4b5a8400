/**
 * The "cell" sink: in the kernel, a thread's output goes to the cell that
 * started it. The pool worker posts each write straight to the kernel's I/O
 * thread on a port of its own; postMessage is delivered at once, even while
 * this thread then blocks, and whatever the main thread is doing.
 */
import { workerData, type MessagePort } from "worker_threads";
import { registerSinkKind, type SinkDescriptor, type Stream } from "./sink";

const decoder = new TextDecoder();

function outputPort(): MessagePort | undefined {
  return workerData && typeof workerData === "object" ? (workerData.outputPort as MessagePort | undefined) : undefined;
}

/** The descriptor of the sink for cell `cell`. */
export function cellSink(cell: number): SinkDescriptor {
  return { kind: "cell", cell };
}

registerSinkKind("cell", (desc) => {
  const port = outputPort();
  if (!port) throw new Error("threadlab: a cell sink opened outside the kernel's pool");
  const cell = desc.cell as number;
  return {
    write(stream: Stream, data: string | Uint8Array) {
      const text = typeof data === "string" ? data : decoder.decode(data);
      if (text) port.postMessage({ cell, name: stream, text });
    },
  };
});
