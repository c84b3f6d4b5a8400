/**
 * Which cell the main thread's code belongs to, as ipykernel keeps the
 * parent header in a context variable: a cell runs inside
 * `cellContext.run(id, ...)`, and every timer, promise callback and other
 * async work it starts inherits that id (Node's AsyncLocalStorage), so their
 * output and uncaught errors go to that cell, whichever cell runs when they
 * fire.
 */
import { AsyncLocalStorage } from "async_hooks";
import { inspect } from "util";

export const cellContext = new AsyncLocalStorage<number>();

/**
 * With async hooks on, Node 20 keeps each promise's async ids and context in
 * enumerable symbol properties, and `util.inspect` (so `console.log`,
 * `print` and a cell's Out) shows them: `Promise { 1, [Symbol(async_id_symbol)]: 8, ... }`.
 * Promises are shown without them, as they are without async hooks.
 */
const HIDDEN = new Set(["async_id_symbol", "trigger_async_id_symbol", "kResourceStore"]);
const showing = new WeakSet<object>();

// (defineProperty returns its first argument, here a promise: nothing to await.)
void Object.defineProperty(Promise.prototype, inspect.custom, {
  configurable: true,
  writable: true,
  enumerable: false,
  value: function inspectPromise(this: Promise<unknown>, depth: number, options: object): unknown {
    if (showing.has(this)) return this; // `this`: Node formats the promise itself
    const saved = Object.getOwnPropertySymbols(this)
      .filter((s) => HIDDEN.has(s.description ?? ""))
      .map((s) => [s, (this as unknown as Record<symbol, unknown>)[s]] as const);
    if (saved.length === 0) return this;
    const self = this as unknown as Record<symbol, unknown>;
    showing.add(this);
    try {
      for (const [s] of saved) delete self[s];
      return inspect(this, { ...options, depth });
    } catch {
      return this;
    } finally {
      showing.delete(this);
      for (const [s, v] of saved) self[s] = v;
    }
  },
});
