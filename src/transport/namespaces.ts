/**
 * Namespaces a thread received: an object whose members its code reads
 * (a notebook's `exports.helper`), rebuilt in the thread as a frozen object
 * of just the members used. A function of that thread that starts another
 * thread finds it in its scope; this registry tells the resolver how each
 * member came (a fresh import stays a fresh import), not to send the object as data.
 */
import type { Binding } from "./resolve";

const members = new WeakMap<object, { raw: Record<string, unknown>; bindings: Record<string, Binding> }>();

/** Records that `view` (what the thread's code sees) stands for `raw`'s members, bound as `bindings` say. */
export function markNamespace(view: object, raw: Record<string, unknown>, bindings: Record<string, Binding>): void {
  members.set(view, { raw, bindings });
}

/** The members of a namespace a thread received, if `value` is one. */
export function namespaceMembers(
  value: unknown,
): { raw: Record<string, unknown>; bindings: Record<string, Binding> } | undefined {
  return typeof value === "object" && value !== null ? members.get(value) : undefined;
}
