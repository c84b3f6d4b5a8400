/**
 * Where every process-wide shared word lives: the counters, the thread slots
 * (thread/registry.ts), the worker slots (worker/lifecycle.ts) and the
 * per-thread wait words (sync/condition.ts). One file, so that no two
 * modules ever pick the same word.
 */

/** Words of the process-wide counters buffer (Int32). */
export const C = {
  NEXT_IDENT: 0,
  NEXT_THREAD_NUMBER: 1,
  NON_DAEMON_ALIVE: 2,
  NEXT_OBJECT_ID: 3,
  OUTPUT_LOCK: 4,
  ALIVE_THREADS: 5,
  MAIN_IDENT: 6,
  WORKERS_ALIVE: 7,
  IDLE_EPOCH: 8, // bumped each time a worker becomes idle
  IDLE_WAITERS: 9, // starters waiting for a worker to become idle
  WORKERS_BOOTING: 10, // spawned workers not yet running their code
  CORES: 11, // the cores this process may use (its CPU affinity), set once by main
  WORKERS_LEAVING: 12, // idle workers that decided to exit (trimmed), not yet gone
  NEXT_BUFFER_ID: 13, // numbers of shared buffers published to the directory (state/directory.ts)
  SPAWNS_ASKED: 14, // workers the pool has asked the supervisor for, not yet spawned
  STDOUT_BROKEN: 15, // 1 once a write to the terminal's stdout failed with EPIPE (the reader is gone), 2 once its error is printed
  TERMINATE_MINE: 16, // 1 + the index of the worker main spawned that the supervisor asks main to stop
  SPIN_CORES: 17, // the cores this process's running threads may fill; past it a spin is a short one (state/spin.ts)
  SLEEPING: 18, // threads asleep in a wait now (state/spin.ts)
  DEADLOCK_POLICY: 19, // 0 report a deadlock and keep waiting, 1 raise in the wait that closes it (sync/deadlock.ts)
  LAST_DEADLOCK: 20, // a hash of the last deadlock reported, so that each is reported once
  NEXT_SYNC_NUMBER: 21, // the N of the default names of Locks and others ("Lock#N")
  SIZE: 24,
} as const;

export const MAX_THREADS = 4096;
export const NAME_BYTES = 256;

/** Words of one thread slot (Int32), `T.STRIDE` words each. */
export const T = {
  STATE: 0, // (generation << 1) | alive
  IDENT: 1,
  DAEMON: 2,
  NAME_LEN: 3,
  WORKER: 4, // index of the worker running it, -1 before it is placed
  STARTED: 5, // 1 once the thread has begun running its function (start() waits for it, as CPython's)
  YIELDED: 6, // 1 once the thread first blocks (or ends): start() waits for that too, up to SWITCH_MS
  DEATH: 7, // how the thread ended, when not by returning: a DEATH value, written before its slot is finished
  STRIDE: 8,
} as const;

/** How a thread ended when it did not return (T.DEATH): what the next acquirer of a lock it held is told. */
export const DEATH = { NONE: 0, OUT_OF_MEMORY: 1, EXIT: 2, SHUTDOWN: 3 } as const;

/**
 * Words of one wait record (Int32), `WR.STRIDE` words each, one per thread slot
 * plus the main thread's (index MAX_THREADS): what the thread blocks on now
 * (state/waits.ts). The object's name and where the thread waits are text in
 * `waitText`, since when in `waitSince`.
 */
export const WR = {
  SEQ: 0, // bumped each time the record changes: a reader sees whether it read one wait throughout
  KIND: 1, // a WAIT kind, 0 while the thread runs
  HOLDER: 2, // for a lock: its holder's thread code; for a join: the joined thread's
  NAME_LEN: 3,
  WHERE_LEN: 4, // bytes of where the thread waits (a stack line), 0 until written
  TIMED: 5, // 1 when the wait has a timeout: it ends by itself, so it closes no deadlock
  STRIDE: 6,
} as const;

export const WAIT_NAME_BYTES = 128;
export const WAIT_WHERE_BYTES = 1024;
export const WAIT_TEXT_BYTES = WAIT_NAME_BYTES + WAIT_WHERE_BYTES;

export const MAX_WORKERS = 4096;

/** Words of one worker slot (Int32), `W.STRIDE` words each. */
export const W = {
  STATE: 0,
  TID: 1, // the OS thread id, written by the worker when it boots
  THREAD_SLOT: 2,
  THREAD_STATE: 3, // the slot word of the thread it runs, to tell whether it is still the same thread
  DAEMON: 4, // whether the thread it runs is a daemon (shutdown() stops those)
  GEN: 5, // bumped each time a new worker takes the slot
  SINK_CELL: 6, // the cell its thread's output goes to (kernel), or -1 for the terminal
  EXITING: 7, // 1 while its thread unwinds from process.exit() (the supervisor stops it if it goes on instead)
  ASLEEP: 8, // 1 while the worker sleeps waiting for a task: only then does a starter make the wake-up call
  STRIDE: 9,
} as const;

export interface SharedBuffers {
  counters: SharedArrayBuffer;
  threads: SharedArrayBuffer;
  names: SharedArrayBuffer;
  workers: SharedArrayBuffer;
  /** One wait word per thread slot, plus one for the main thread (index MAX_THREADS): Condition waiters sleep on it. */
  waiters: SharedArrayBuffer;
  /** The timeline's event ring (state/trace.ts). */
  trace: SharedArrayBuffer;
  /** The wait records (WR), their text and since when (Float64, Date.now()). */
  waits: SharedArrayBuffer;
  waitText: SharedArrayBuffer;
  waitSince: SharedArrayBuffer;
}

/** Bytes of the timeline's event ring: its header, events and text (state/trace.ts lays them out). */
export const TRACE_BYTES = 8 * 1024 * 1024;

export function createSharedBuffers(): SharedBuffers {
  return {
    counters: new SharedArrayBuffer(C.SIZE * 4),
    threads: new SharedArrayBuffer(MAX_THREADS * T.STRIDE * 4),
    names: new SharedArrayBuffer(MAX_THREADS * NAME_BYTES),
    workers: new SharedArrayBuffer(MAX_WORKERS * W.STRIDE * 4),
    waiters: new SharedArrayBuffer((MAX_THREADS + 1) * 4),
    trace: new SharedArrayBuffer(TRACE_BYTES),
    waits: new SharedArrayBuffer((MAX_THREADS + 1) * WR.STRIDE * 4),
    waitText: new SharedArrayBuffer((MAX_THREADS + 1) * WAIT_TEXT_BYTES),
    waitSince: new SharedArrayBuffer((MAX_THREADS + 1) * 8),
  };
}
