/**
 * The timeline's recorder: a shared-memory event ring that every thread
 * writes to while `timeline()` runs (thread start and end, each blocking wait
 * with the object waited on, each print). Each hook in the library first
 * does one `Atomics.load` of the ACTIVE word and returns when it is 0, so
 * that recording costs nothing when no timeline is active.
 *
 * Events are fixed-size records claimed with one `Atomics.add`; the session
 * number is stored last, so a reader skips a record still being written.
 * Once the ring is full further events are counted as dropped, not written
 * over the first ones (a timeline wants its beginning). Times are
 * microseconds since the epoch (performance.timeOrigin + performance.now()),
 * comparable across workers.
 */
import { RuntimeError } from "../errors";
import { sharedState } from "./buffers";
import { TRACE_BYTES } from "./layout";
import { myIdent } from "./me";

/** Words of the ring's header (Int32). */
const H = { ACTIVE: 0, SESSION: 1, NEXT: 2, TEXT_NEXT: 3, DROPPED: 4, NEXT_ID: 5, SIZE: 16 } as const;
const EVENT_WORDS = 12; // 8 Int32 words, then two Float64 times
const CAPACITY = 131072;
const EVENTS_AT = H.SIZE * 4;
const TEXT_AT = EVENTS_AT + CAPACITY * EVENT_WORDS * 4;
const TEXT_BYTES = TRACE_BYTES - TEXT_AT;
const MAX_TEXT = 512;

export const EVENT_TYPES = ["", "start", "end", "wait", "print"] as const;
export type TraceEventType = "start" | "end" | "wait" | "print";
export const WAIT_KINDS = [
  "",
  "Lock",
  "RLock",
  "Condition",
  "Event",
  "Semaphore",
  "Queue",
  "join",
  "sleep",
  "Barrier",
  "start",
] as const;
export type WaitKind = Exclude<(typeof WAIT_KINDS)[number], "">;

/** One recorded event, as the reader returns it. */
export interface TraceEvent {
  type: TraceEventType;
  /** The thread's ident. */
  ident: number;
  /** start: the thread's name; print: the text; wait: the label of the object waited on. */
  text: string;
  /** wait: what was waited on. */
  kind?: WaitKind;
  /** wait: the object's id (the same in every thread), or the joined thread's ident. */
  id?: number;
  /** Microseconds since the epoch: the time of the event, or when a wait began. */
  t0: number;
  /** wait: when it ended (microseconds since the epoch). */
  t1: number;
}

let words: Int32Array | undefined;
let times: Float64Array;
let bytes: Uint8Array;

function ring(): Int32Array {
  if (words) return words;
  const sab = sharedState().buffers.trace;
  times = new Float64Array(sab);
  bytes = new Uint8Array(sab);
  return (words = new Int32Array(sab));
}

/** Whether a timeline is recording now: the one load every hook makes. */
export function tracing(): boolean {
  return Atomics.load(words ?? ring(), H.ACTIVE) !== 0;
}

/** Microseconds since the epoch, comparable between workers. */
export function nowMicros(): number {
  // Read when a timeline first records: a worker's first read of `performance` loads perf_hooks.
  origin ??= performance.timeOrigin;
  return (origin + performance.now()) * 1000;
}
let origin: number | undefined;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeEvent(
  session: number,
  type: number,
  ident: number,
  kind: number,
  id: number,
  text: string,
  t0: number,
  t1: number,
) {
  const w = ring();
  const n = Atomics.add(w, H.NEXT, 1);
  if (n >= CAPACITY) {
    Atomics.add(w, H.DROPPED, 1);
    return;
  }
  let off = 0;
  let len = 0;
  if (text) {
    const data = encoder.encode(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
    off = Atomics.add(w, H.TEXT_NEXT, data.length);
    if (off + data.length <= TEXT_BYTES) {
      bytes.set(data, TEXT_AT + off);
      len = data.length;
    }
  }
  const at = (EVENTS_AT >> 2) + n * EVENT_WORDS;
  w[at + 1] = type;
  w[at + 2] = ident;
  w[at + 3] = kind;
  w[at + 4] = id;
  w[at + 5] = off;
  w[at + 6] = len;
  times[(at + 8) >> 1] = t0;
  times[(at + 10) >> 1] = t1;
  Atomics.store(w, at, session); // last: the record is complete
}

/** Records that thread `ident` begins (with its name) or ends its function. */
export function traceThread(type: "start" | "end", ident: number, name: string): void {
  if (type === "end") depth = 0;
  if (Atomics.load(words ?? ring(), H.ACTIVE) === 0) return;
  const t = nowMicros();
  writeEvent(Atomics.load(words!, H.SESSION), type === "start" ? 1 : 2, ident, 0, 0, name, t, t);
}

/** Records a line the calling thread prints. */
export function tracePrint(text: string): void {
  if (Atomics.load(words ?? ring(), H.ACTIVE) === 0) return;
  const t = nowMicros();
  writeEvent(Atomics.load(words!, H.SESSION), 4, myIdent(), 0, 0, text.replace(/\n$/, ""), t, t);
}

// The wait this thread is in: only the outermost is recorded (an Event's wait, not the Condition
// and Lock inside it), and only if it blocked (a wait hook or waitWord ran within it).
let depth = 0;
let pending = { session: 0, kind: 0, id: 0, label: "", t0: 0, blocked: false };

/**
 * Marks the start of a wait on `obj` (of `kind`, on shared memory `sab`); `blocked` when it is
 * sure to block (a Lock's slow path). Pair each with `waitDone`.
 */
export function traceWait(kind: WaitKind, obj: unknown, sab?: SharedArrayBuffer, blocked = false): void {
  if (depth > 0) {
    depth++;
    if (blocked) pending.blocked = true;
    return;
  }
  const w = words ?? ring();
  if (Atomics.load(w, H.ACTIVE) === 0) return;
  depth = 1;
  const o = obj as { name?: unknown; ident?: unknown } | null;
  const id = kind === "join" || kind === "start" ? Number(o?.ident ?? 0) : sab ? traceIdOf(sab) : 0;
  const name = o && typeof o.name === "string" && o.name ? o.name : undefined;
  let label: string = kind === "sleep" ? "sleep" : `${kind} #${id}`;
  if (kind === "join" || kind === "start") label = `${kind} ${name ?? id}`;
  else if (name) label = name;
  pending = { session: Atomics.load(w, H.SESSION), kind: WAIT_KINDS.indexOf(kind), id, label, t0: nowMicros(), blocked };
}

/** The thread is about to block in a futex wait (sync/wait.ts). */
export function traceBlocked(): void {
  if (depth > 0) pending.blocked = true;
}

/** Ends the wait `traceWait` began; returns `value`, so that `return waitDone(x)` ends one. */
export function waitDone<T>(value: T): T {
  if (depth === 0) return value;
  if (--depth > 0) return value;
  const w = words!;
  if (pending.blocked && Atomics.load(w, H.ACTIVE) !== 0 && Atomics.load(w, H.SESSION) === pending.session) {
    writeEvent(pending.session, 3, myIdent(), pending.kind, pending.id, pending.label, pending.t0, nowMicros());
  }
  return value;
}

// Ids of shared objects, the same in every thread: assigned on first sight while tracing, and
// carried in a handle that crosses to another thread (tagHandle, adoptHandle).
const ids = new WeakMap<SharedArrayBuffer, number>();

/** The timeline's id of the object on `sab`. */
export function traceIdOf(sab: SharedArrayBuffer): number {
  let id = ids.get(sab);
  if (id === undefined) {
    id = Atomics.add(ring(), H.NEXT_ID, 1) + 1;
    ids.set(sab, id);
  }
  return id;
}

/** The handles that carry ids: the kinds a thread waits on (a Value's or a list's would be wasted work). */
const WAITABLE = new Set(["Lock", "RLock", "Condition", "Event", "Semaphore", "BoundedSemaphore", "Barrier"]);

function buffersIn(v: unknown, out: SharedArrayBuffer[], depthLeft = 4): SharedArrayBuffer[] {
  if (v instanceof SharedArrayBuffer) out.push(v);
  else if (typeof v === "object" && v !== null && depthLeft > 0 && !ArrayBuffer.isView(v)) {
    for (const key in v) buffersIn((v as Record<string, unknown>)[key], out, depthLeft - 1);
  }
  return out;
}

// A handle's state object is often the same each time its object crosses (a Lock's is): its ids, once found.
const tagged = new WeakMap<object, number[]>();

/** While tracing, writes into a handle that is about to cross the ids of the buffers in it. */
export function tagHandle(handle: { type: string; state: unknown; traceIds?: number[] }): void {
  if (Atomics.load(words ?? ring(), H.ACTIVE) === 0) return;
  if (!WAITABLE.has(handle.type) && !handle.type.endsWith("Queue")) return;
  const state = handle.state;
  const key = typeof state === "object" && state !== null ? state : undefined;
  let found = key && tagged.get(key);
  if (!found) {
    found = buffersIn(state, []).map(traceIdOf);
    if (key) tagged.set(key, found);
  }
  handle.traceIds = found;
}

/** Takes the ids a crossing handle carries for its buffers (see tagHandle). */
export function adoptHandle(handle: { state: unknown; traceIds?: number[] }): void {
  const carried = handle.traceIds;
  if (!carried) return;
  const found = buffersIn(handle.state, []);
  for (let i = 0; i < found.length && i < carried.length; i++) if (!ids.has(found[i])) ids.set(found[i], carried[i]);
}

/** Starts recording (a new session); returns its number. @throws {RuntimeError} if one is already recording. */
export function startTrace(): number {
  const w = ring();
  if (Atomics.load(w, H.ACTIVE) !== 0) throw new RuntimeError("timeline() is already recording (timelines do not nest)");
  const session = Atomics.add(w, H.SESSION, 1) + 1;
  Atomics.store(w, H.NEXT, 0);
  Atomics.store(w, H.TEXT_NEXT, 0);
  Atomics.store(w, H.DROPPED, 0);
  depth = 0;
  Atomics.store(w, H.ACTIVE, 1);
  return session;
}

/** Stops recording; returns the events of `session` in time order and how many were dropped. */
export function stopTrace(session: number): { events: TraceEvent[]; dropped: number } {
  const w = ring();
  Atomics.store(w, H.ACTIVE, 0);
  depth = 0;
  const n = Math.min(Atomics.load(w, H.NEXT), CAPACITY);
  const events: TraceEvent[] = [];
  for (let i = 0; i < n; i++) {
    const at = (EVENTS_AT >> 2) + i * EVENT_WORDS;
    if (Atomics.load(w, at) !== session) continue;
    const len = w[at + 6];
    const text = len > 0 ? decoder.decode(bytes.slice(TEXT_AT + w[at + 5], TEXT_AT + w[at + 5] + len)) : "";
    const type = EVENT_TYPES[w[at + 1]] as TraceEventType;
    const e: TraceEvent = { type, ident: w[at + 2], text, t0: times[(at + 8) >> 1], t1: times[(at + 10) >> 1] };
    if (type === "wait") {
      e.kind = WAIT_KINDS[w[at + 3]] as WaitKind;
      e.id = w[at + 4];
    }
    events.push(e);
  }
  events.sort((a, b) => a.t0 - b.t0);
  return { events, dropped: Math.max(0, Atomics.load(w, H.DROPPED)) };
}

/** @internal For tests: how many events the ring holds now, dropped, and the last session's number. */
export function traceStats(): { next: number; dropped: number; session: number; active: boolean } {
  const w = ring();
  return {
    next: Atomics.load(w, H.NEXT),
    dropped: Atomics.load(w, H.DROPPED),
    session: Atomics.load(w, H.SESSION),
    active: Atomics.load(w, H.ACTIVE) !== 0,
  };
}
