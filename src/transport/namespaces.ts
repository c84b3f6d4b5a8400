/**
 * Namespaces a thread received: an object whose members its code reads
 * (a notebook's `exports.helper`), rebuilt in the thread as a frozen object
 * of just the members used (rebuild.ts). A function of that thread that starts another
 * thread finds it in its scope; this registry tells the resolver how each
 * member came (a fresh import stays a fresh import), not to send the object as data.
 */
import type { Binding } from "./resolve";

/** Where a view keeps what it stands for: a property of its own, not a weak map (one entry per thread start). */
const MEMBERS = Symbol("threadlab.namespace");
type Members = { raw: Record<string, unknown>; bindings: Record<string, Binding> };

/** Records that `view` (what the thread's code sees; not frozen yet) stands for `raw`'s members, bound as `bindings` say. */
export function markNamespace(view: object, raw: Record<string, unknown>, bindings: Record<string, Binding>): void {
  Object.defineProperty(view, MEMBERS, { value: { raw, bindings } satisfies Members });
}

/** The members of a namespace a thread received, if `value` is one. */
export function namespaceMembers(value: unknown): Members | undefined {
  if (typeof value !== "object" || value === null || !Object.prototype.hasOwnProperty.call(value, MEMBERS)) return undefined;
  return (value as { [MEMBERS]: Members })[MEMBERS];
}
