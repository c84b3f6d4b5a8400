/**
 * A shared-memory ring that carries output from every thread, the main one
 * included, to the kernel's I/O thread, in one total order.
 *
 * One port per worker would deliver each thread's output in order, but not
 * across threads: a thread's last line could reach the cell after the line
 * the main thread printed once join() returned. Here a write appends its
 * record under the process-wide output lock and is in the ring before the
 * writer goes on, so whatever a thread printed before another thread could
 * see it finish comes first. The reader (the I/O thread) never takes the
 * lock; a writer that finds the ring full waits for the reader, holding the
 * lock, so that one call's text is never split by another thread's.
 *
 * Layout: Int32 header [WRITE, READ] (byte counters, wrapping at 2**32), then
 * CAPACITY bytes of records: u32 length, i32 cell, u8 stream, UTF-8 text.
 */
import { acquireOutput, releaseOutput } from "./output-lock";

const WRITE = 0;
const READ = 1;
const HEADER_BYTES = 8;
const RECORD_HEADER = 9;
export const RING_CAPACITY = 1 << 22; // 4 MiB

export function createRing(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + RING_CAPACITY);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class OutputRing {
  private readonly head: Int32Array;
  private readonly data: Uint8Array;

  constructor(readonly sab: SharedArrayBuffer) {
    this.head = new Int32Array(sab, 0, 2);
    this.data = new Uint8Array(sab, HEADER_BYTES, RING_CAPACITY);
  }

  /** Appends `text` for `cell` (stream 0 stdout, 1 stderr), as one piece. */
  write(cell: number, stream: 0 | 1, text: string): void {
    if (!text) return;
    acquireOutput();
    try {
      // A text larger than the ring goes in several records, all under this one hold of the lock.
      const max = (RING_CAPACITY >> 2) - RECORD_HEADER;
      for (let at = 0; at < text.length;) {
        let end = Math.min(text.length, at + Math.floor(max / 3));
        const code = text.charCodeAt(end - 1);
        if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--; // keep surrogate pairs whole
        this.append(cell, stream, encoder.encode(text.slice(at, end)));
        at = end;
      }
    } finally {
      releaseOutput();
    }
  }

  private append(cell: number, stream: 0 | 1, payload: Uint8Array): void {
    const need = RECORD_HEADER + payload.length;
    let w = Atomics.load(this.head, WRITE) >>> 0;
    for (;;) {
      const r = Atomics.load(this.head, READ) >>> 0;
      if (RING_CAPACITY - ((w - r) >>> 0) >= need) break;
      Atomics.wait(this.head, READ, r | 0, 100); // full: wait for the reader
    }
    const rec = new Uint8Array(need);
    const view = new DataView(rec.buffer);
    view.setUint32(0, payload.length, true);
    view.setInt32(4, cell, true);
    rec[8] = stream;
    rec.set(payload, RECORD_HEADER);
    const at = w % RING_CAPACITY;
    const first = Math.min(need, RING_CAPACITY - at);
    this.data.set(rec.subarray(0, first), at);
    if (first < need) this.data.set(rec.subarray(first), 0);
    w = (w + need) >>> 0;
    Atomics.store(this.head, WRITE, w | 0);
    Atomics.notify(this.head, WRITE);
  }

  /** Reads every complete record now in the ring, in order. */
  drain(each: (cell: number, stream: 0 | 1, text: string) => void): void {
    let r = Atomics.load(this.head, READ) >>> 0;
    const w = Atomics.load(this.head, WRITE) >>> 0;
    while (r !== w) {
      const header = this.copy(r, RECORD_HEADER);
      const view = new DataView(header.buffer);
      const length = view.getUint32(0, true);
      const cell = view.getInt32(4, true);
      const stream = header[8] as 0 | 1;
      const text = decoder.decode(this.copy((r + RECORD_HEADER) >>> 0, length));
      r = (r + RECORD_HEADER + length) >>> 0;
      each(cell, stream, text);
    }
    Atomics.store(this.head, READ, r | 0);
    Atomics.notify(this.head, READ);
  }

  /** Resolves when something has been written since `drain` last read. */
  whenWritten(): Promise<void> {
    const w = Atomics.load(this.head, WRITE);
    if (w !== Atomics.load(this.head, READ)) return Promise.resolve();
    const result = Atomics.waitAsync(this.head, WRITE, w);
    return result.async ? result.value.then(() => undefined) : Promise.resolve();
  }

  private copy(pos: number, length: number): Uint8Array {
    const at = pos % RING_CAPACITY;
    const out = new Uint8Array(length);
    const first = Math.min(length, RING_CAPACITY - at);
    out.set(this.data.subarray(at, at + first));
    if (first < length) out.set(this.data.subarray(0, length - first), first);
    return out;
  }
}
