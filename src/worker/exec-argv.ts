/**
 * The Node flags our own workers start with: the process's flags without
 * preloads (`-r ts-node/register`, `--import`, loaders). Our workers run only
 * threadlab's compiled JavaScript, and a preload in every nested worker costs
 * hundreds of milliseconds each and was seen to hang worker start-up under
 * ts-node. A thread that imports a TypeScript module registers ts-node in its
 * worker on demand instead (see entry.ts).
 */
const PRELOAD = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader"]);

export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (PRELOAD.has(arg)) {
      i++; // and its value
      continue;
    }
    if ([...PRELOAD].some((flag) => arg.startsWith(flag + "="))) continue;
    out.push(arg);
  }
  return out;
}
