/**
 * Namespaces a thread received: an object whose members its code reads
 * (a notebook's `exports.helper`), rebuilt in the thread as a frozen object
 * of just the members used. A function of that thread that starts another
 * thread finds it in its scope; this registry tells the resolver to send its
 * members one by one again, not the object as data.
 */
const members = new WeakMap<object, Record<string, unknown>>();

/** Records that `view` (what the thread's code sees) stands for `raw`'s members. */
export function markNamespace(view: object, raw: Record<string, unknown>): void {
  members.set(view, raw);
}

/** The members of a namespace a thread received, if `value` is one. */
export function namespaceMembers(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? members.get(value) : undefined;
}
