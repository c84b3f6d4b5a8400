/**
 * The library's lazily loaded modules, as the rest of it sees them. The
 * bundle loader (worker/bundle.ts) runs the index's re-exports of modules
 * that start-up does not need (Queue, Barrier, the executor...) only when one
 * of their names is first read; it counts those loads here, and reads here
 * whether a name should load its module or read as undefined.
 */

let peeking = false;
let loads = 0;

/**
 * Runs `read` with the index's lazy names reading as undefined unless their module is loaded
 * (the resolver's map of API values wants only the values someone can hold: transport/api.ts).
 */
export function loadedOnly<T>(read: () => T): T {
  const was = peeking;
  peeking = true;
  try {
    return read();
  } finally {
    peeking = was;
  }
}

/** Whether a lazy name read now should leave its module unloaded (inside loadedOnly). */
export function isPeeking(): boolean {
  return peeking;
}

/** Called by the loader as each lazy module loads. */
export function countLazyLoad(): void {
  loads++;
}

/** How many lazy modules have loaded so far (a map made inside loadedOnly is stale once it changes). */
export function lazyLoadCount(): number {
  return loads;
}
