/**
 * The library's clock for deadlines and spins: milliseconds on the system's monotonic clock, the
 * same in every thread of the process. Not `performance.now()`: a worker's first read of the
 * `performance` global loads Node's perf_hooks (ten modules, 0.1 MB of every worker's memory).
 */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
