/**
 * What a thread leaves behind in its worker, and how it is cleaned up before
 * the next thread runs there: timers and immediates it did not clear,
 * process listeners it added, globals it defined. (Its `local` values, name,
 * sink and Thread object are reset by run-thread.ts.)
 */
import { promisify } from "util";

/**
 * The worker's own globals, as Object.keys lists them: the globals a program makes (`globalThis.x = ...`)
 * are enumerable, and listing the enumerable ones costs a sixth of listing them all (1.3 vs 8.5 us a
 * thread, with Node's 130 globals); one a thread makes non-enumerable (Object.defineProperty) stays.
 */
const baselineGlobals = new Set(Object.keys(globalThis));
const timers = new Set<NodeJS.Timeout | NodeJS.Immediate>();

/**
 * `util.promisify`'s own version of Node's timer function `real`, read when first asked for: reading it
 * loads Node's timers/promises (30 KB of every worker's memory, for the few threads that promisify a timer).
 */
function withPromisified<F extends object>(wrapper: F, real: unknown): F {
  return Object.defineProperty(wrapper, promisify.custom, {
    configurable: true,
    get: () => (real as Record<symbol, unknown>)[promisify.custom],
  });
}

/** Wraps this worker's timer functions so that the timers a thread leaves can be found. */
export function trackTimers(): void {
  const realSetTimeout = globalThis.setTimeout;
  const realSetInterval = globalThis.setInterval;
  const realSetImmediate = globalThis.setImmediate;
  globalThis.setTimeout = withPromisified((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = realSetTimeout(
      (...a: unknown[]) => {
        timers.delete(t);
        fn(...a);
      },
      ms,
      ...args,
    );
    timers.add(t);
    return t;
  }, realSetTimeout) as unknown as typeof setTimeout;
  globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = realSetInterval(fn, ms, ...args);
    timers.add(t);
    return t;
  }) as typeof setInterval;
  globalThis.setImmediate = withPromisified((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
    const t = realSetImmediate(
      (...a: unknown[]) => {
        timers.delete(t);
        fn(...a);
      },
      ...args,
    );
    timers.add(t);
    return t;
  }, realSetImmediate) as unknown as typeof setImmediate;
}

const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection", "exit", "beforeExit", "warning", "message"] as const;
type Listener = (...args: unknown[]) => void;
export type ListenerSnapshot = Map<string, Listener[]>;

let last: ListenerSnapshot | undefined;

/**
 * The process listeners now, to tell later which ones a thread added. Each thread's clean-up
 * leaves them as they were before it: the last snapshot is taken again while their counts match.
 */
export function listenerSnapshot(): ListenerSnapshot {
  if (last && PROCESS_EVENTS.every((e) => process.listenerCount(e) === last!.get(e)!.length)) return last;
  last = new Map(PROCESS_EVENTS.map((e) => [e, process.listeners(e as never) as Listener[]]));
  return last;
}

/** Cancels the thread's leftover timers, removes the listeners it added and deletes the globals it defined. */
export function cleanUp(before: ListenerSnapshot): void {
  for (const t of timers) {
    clearTimeout(t as NodeJS.Timeout);
    clearInterval(t as NodeJS.Timeout);
    clearImmediate(t as NodeJS.Immediate);
  }
  timers.clear();
  for (const [event, kept] of before) {
    if (kept.length === 0 && process.listenerCount(event) === 0) continue;
    for (const l of process.listeners(event as never) as Listener[]) {
      if (!kept.includes(l)) process.removeListener(event, l);
    }
  }
  // Most threads define no globals: there are as many as at the start, and none is looked up. (A
  // thread that deletes one of the worker's globals and defines one of its own keeps the count: its
  // global stays.)
  const names = Object.keys(globalThis);
  if (names.length === baselineGlobals.size) return;
  for (const name of names) {
    if (!baselineGlobals.has(name)) delete (globalThis as Record<string, unknown>)[name];
  }
}
