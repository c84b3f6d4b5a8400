/**
 * What runs once a script's main code has ended, before its non-daemon
 * threads are waited for (Python's `threading._register_atexit`): the
 * executors shut down, so that their threads end. Both ends of a script run
 * it: the normal one, and an uncaught error in the main code.
 */
const hooks: Array<() => void> = [];

/** Registers `fn` to run when the main code has ended (in the pool owner). */
export function registerAtExit(fn: () => void): void {
  hooks.push(fn);
}

/** Runs the registered functions, in the order they were registered. */
export function runAtExit(): void {
  for (const fn of hooks) fn();
}
