/**
 * Where threadlab's own code lives, to tell its stack frames from the user's.
 * Both the built `dist/` and `src/` count: with source maps installed (ts-node,
 * jest), frames of `dist/*.js` are shown at their `src/*.ts` origin.
 */
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const OWN = [path.join(ROOT, "dist") + path.sep, path.join(ROOT, "src") + path.sep];

export function isOwnFile(file: string): boolean {
  return OWN.some((dir) => file.startsWith(dir));
}

/** Whether a stack line is a frame of threadlab itself or of Node's internals. */
export function isInternalFrame(line: string): boolean {
  return /^\s+at /.test(line) && (OWN.some((dir) => line.includes(dir)) || line.includes("node:internal/"));
}
