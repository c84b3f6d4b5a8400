/**
 * Wait records: what each thread blocks on now, in shared memory, so that any
 * thread can read it — `dumpThreads()` prints them, as `py-spy dump` shows
 * where each thread is, and a thread about to sleep on a lock or a join walks
 * them to find a deadlock (sync/deadlock.ts). One record per thread slot,
 * plus the main thread's (index MAX_THREADS); a thread writes only its own.
 *
 * Also here: who a thread code names (its name, whether it lives, how it
 * died), since a Lock's word names its holder by thread code (state/me.ts).
 */
import { sharedState } from "./buffers";
import { DEATH, MAX_THREADS, NAME_BYTES, T, WAIT_NAME_BYTES, WAIT_TEXT_BYTES, WAIT_WHERE_BYTES, WR } from "./layout";
import { CODE_GEN_MASK, codeGeneration, codeSlot, mySlot } from "./me";

/** What a thread waits for (WR.KIND). */
export const WAIT = {
  NONE: 0,
  LOCK: 1,
  RLOCK: 2,
  JOIN: 3,
  CONDITION: 4,
  EVENT: 5,
  SEMAPHORE: 6,
  QUEUE_GET: 7,
  QUEUE_PUT: 8,
  SLEEP: 9,
  BARRIER: 10,
} as const;

export { DEATH };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface WaitRecord {
  slot: number;
  seq: number;
  kind: number;
  holder: number;
  timed: boolean;
  name: string;
  since: number;
  where: string;
}

/** Writes what the calling thread starts waiting for (`timed`: the wait has a timeout). */
export function beginWait(kind: number, name: string, holder = 0, timed = false): void {
  const s = sharedState();
  const slot = mySlot();
  const i = slot * WR.STRIDE;
  const bytes = encoder.encode(name).subarray(0, WAIT_NAME_BYTES);
  s.waitText.set(bytes, slot * WAIT_TEXT_BYTES);
  s.waitSince[slot] = Date.now();
  Atomics.store(s.waits, i + WR.NAME_LEN, bytes.length);
  Atomics.store(s.waits, i + WR.WHERE_LEN, 0);
  Atomics.store(s.waits, i + WR.HOLDER, holder);
  Atomics.store(s.waits, i + WR.TIMED, timed ? 1 : 0);
  Atomics.store(s.waits, i + WR.KIND, kind);
  Atomics.add(s.waits, i + WR.SEQ, 1);
}

/** Changes the holder the calling thread's wait names (a lock that changed hands while it waited); returns whether it changed. */
export function setWaitHolder(holder: number): boolean {
  const s = sharedState();
  const i = mySlot() * WR.STRIDE;
  if (Atomics.load(s.waits, i + WR.HOLDER) === holder) return false;
  Atomics.store(s.waits, i + WR.HOLDER, holder);
  Atomics.add(s.waits, i + WR.SEQ, 1);
  return true;
}

/** Writes where the calling thread waits (a stack line), once it has waited a while or a report needs it. */
export function setWaitWhere(where: string): void {
  const s = sharedState();
  const slot = mySlot();
  const bytes = encoder.encode(where).subarray(0, WAIT_WHERE_BYTES);
  s.waitText.set(bytes, slot * WAIT_TEXT_BYTES + WAIT_NAME_BYTES);
  Atomics.store(s.waits, slot * WR.STRIDE + WR.WHERE_LEN, bytes.length);
}

/** The calling thread no longer waits. */
export function endWait(): void {
  const s = sharedState();
  const i = mySlot() * WR.STRIDE;
  Atomics.store(s.waits, i + WR.KIND, WAIT.NONE);
  Atomics.add(s.waits, i + WR.SEQ, 1);
}

/** The wait record of `slot` as it is now (kind NONE when the thread runs). */
export function readWait(slot: number): WaitRecord {
  const s = sharedState();
  const i = slot * WR.STRIDE;
  const at = slot * WAIT_TEXT_BYTES;
  const nameLen = Atomics.load(s.waits, i + WR.NAME_LEN);
  const whereLen = Atomics.load(s.waits, i + WR.WHERE_LEN);
  return {
    slot,
    seq: Atomics.load(s.waits, i + WR.SEQ),
    kind: Atomics.load(s.waits, i + WR.KIND),
    holder: Atomics.load(s.waits, i + WR.HOLDER),
    timed: Atomics.load(s.waits, i + WR.TIMED) === 1,
    name: decoder.decode(s.waitText.slice(at, at + nameLen)),
    since: s.waitSince[slot],
    where: decoder.decode(s.waitText.slice(at + WAIT_NAME_BYTES, at + WAIT_NAME_BYTES + whereLen)),
  };
}

/** The seq of `slot`'s record now: a reader compares it to tell whether the record changed. */
export function waitSeq(slot: number): number {
  return Atomics.load(sharedState().waits, slot * WR.STRIDE + WR.SEQ);
}

/** What `slot`'s thread waits for now (a WAIT kind; WAIT.NONE when it runs), without reading the record's text. */
export function waitKind(slot: number): number {
  return Atomics.load(sharedState().waits, slot * WR.STRIDE + WR.KIND);
}

/** The name of the thread in `slot` ("MainThread" for the main thread's). */
export function slotName(slot: number): string {
  if (slot === MAX_THREADS) return "MainThread";
  const s = sharedState();
  const len = Atomics.load(s.threads, slot * T.STRIDE + T.NAME_LEN);
  return decoder.decode(s.names.slice(slot * NAME_BYTES, slot * NAME_BYTES + len));
}

/** Whether the thread `code` names still runs (its slot still holds its generation, alive). */
export function codeAlive(code: number): boolean {
  const slot = codeSlot(code);
  if (slot === MAX_THREADS) return true;
  const word = Atomics.load(sharedState().threads, slot * T.STRIDE + T.STATE);
  return (word & 1) === 1 && ((word >>> 1) & CODE_GEN_MASK) === codeGeneration(code);
}

/**
 * How the thread `code` names died: a DEATH value, NONE if it lives, returned,
 * or its slot was taken by another thread since (then nobody can tell).
 */
export function codeDeath(code: number): number {
  const slot = codeSlot(code);
  if (slot === MAX_THREADS || codeAlive(code)) return DEATH.NONE;
  const s = sharedState();
  const word = Atomics.load(s.threads, slot * T.STRIDE + T.STATE);
  if (((word >>> 1) & CODE_GEN_MASK) !== codeGeneration(code)) return DEATH.NONE;
  return Atomics.load(s.threads, slot * T.STRIDE + T.DEATH);
}

/** Records how the thread in `slot` dies, before its slot is finished. */
export function setDeath(slot: number, death: number): void {
  Atomics.store(sharedState().threads, slot * T.STRIDE + T.DEATH, death);
}
