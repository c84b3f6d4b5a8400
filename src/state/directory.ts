/**
 * The directory of shared buffers. Most shared objects reach a thread in a
 * message (its task, with the SharedArrayBuffers inside), but some are written
 * as bytes into shared memory — a Queue item, a Future's result, a field of a
 * shared object — and bytes cannot hold a SharedArrayBuffer. Such a record
 * holds a buffer's number instead; the buffer itself is published once to the
 * supervisor (a worker whose event loop never blocks), and a thread that
 * meets a number it does not know asks the supervisor for the buffer and
 * waits for it synchronously (receiveMessageOnPort, then a futex wait on its
 * own mailbox word, which the supervisor wakes after it answers).
 */
import { receiveMessageOnPort, type MessagePort } from "worker_threads";
import { sharedState } from "./buffers";
import { monotonicMs } from "./clock";
import { C } from "./layout";

/** Messages between an isolate and the directory (the supervisor). */
export type DirectoryRequest = { type: "publish"; entries: Array<[number, SharedArrayBuffer]> } | { type: "want"; id: number };
export type DirectoryReply = { type: "sab"; id: number; sab: SharedArrayBuffer };

interface Connection {
  port: MessagePort;
  mailbox: Int32Array;
}

let connection: Connection | undefined;
let connect: (() => Connection) | undefined;
const idOf = new WeakMap<SharedArrayBuffer, number>();
const byId = new Map<number, SharedArrayBuffer>();

/** How this isolate reaches the directory: given at once (a worker) or made on first use (the main thread). */
export function setDirectory(conn: Connection | (() => Connection)): void {
  if (typeof conn === "function") connect = conn;
  else connection = conn;
}

function directory(): Connection {
  connection ??= connect?.();
  if (!connection) throw new Error("threadlab: this thread has no connection to the shared-buffer directory");
  return connection;
}

/** The number that stands for `sab` in bytes; publishes the buffer the first time. */
export function numberOfBuffer(sab: SharedArrayBuffer): number {
  let id = idOf.get(sab);
  if (id !== undefined) return id;
  id = Atomics.add(sharedState().counters, C.NEXT_BUFFER_ID, 1) + 1;
  idOf.set(sab, id);
  byId.set(id, sab);
  directory().port.postMessage({ type: "publish", entries: [[id, sab]] } satisfies DirectoryRequest);
  return id;
}

/** The buffer that number `id` stands for, asking the directory (and waiting) if this thread has not seen it. */
export function bufferOfNumber(id: number): SharedArrayBuffer {
  const known = byId.get(id);
  if (known) return known;
  const { port, mailbox } = directory();
  Atomics.store(mailbox, 0, 0);
  port.postMessage({ type: "want", id } satisfies DirectoryRequest);
  const end = monotonicMs() + 30_000;
  for (;;) {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const reply = m.message as DirectoryReply;
      if (reply.type === "sab") {
        byId.set(reply.id, reply.sab);
        idOf.set(reply.sab, reply.id);
      }
    }
    const sab = byId.get(id);
    if (sab) return sab;
    if (monotonicMs() > end) throw new Error(`threadlab: shared buffer ${id} was never published (is the supervisor alive?)`);
    Atomics.wait(mailbox, 0, 0, 50);
    Atomics.store(mailbox, 0, 0);
  }
}
