/**
 * The "cell" sink: in the kernel, a thread's output goes to the cell that
 * started it. Each write goes into the kernel's shared output ring (ring.ts),
 * which the kernel's I/O thread reads: it is there before `print` returns,
 * whatever the main thread is doing, and in one order with every other
 * thread's output.
 */
import { workerData } from "worker_threads";
import { OutputRing } from "./ring";
import { registerSinkKind, type SinkDescriptor, type Stream } from "./sinks";

const decoder = new TextDecoder();
let ring: OutputRing | undefined;

function outputRing(): OutputRing | undefined {
  const data = workerData as { outputRing?: SharedArrayBuffer } | null | undefined;
  const sab = data && typeof data === "object" ? data.outputRing : undefined;
  return sab ? (ring ??= new OutputRing(sab)) : undefined;
}

/** The descriptor of the sink for cell `cell`. */
export function cellSink(cell: number): SinkDescriptor {
  return { kind: "cell", cell };
}

registerSinkKind("cell", (desc) => {
  const out = outputRing();
  if (!out) throw new Error("threadlab: a cell sink opened outside the kernel's pool");
  const cell = desc.cell as number;
  return {
    write(stream: Stream, data: string | Uint8Array) {
      out.write(cell, stream === "stdout" ? 0 : 1, typeof data === "string" ? data : decoder.decode(data));
    },
  };
});
