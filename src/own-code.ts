/**
 * Where threadlab's own code lives, to tell its stack frames from the user's.
 * The built `dist/` and the sources `src/` and `kernel/` all count: with
 * source maps installed (ts-node, jest), frames of `dist/*.js` are shown at
 * their `.ts` origin.
 */
import { existsSync } from "fs";
import * as path from "path";

/** The package's root folder: the nearest folder above this file with a package.json. */
export const PACKAGE_ROOT = ((): string => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, "..");
  }
})();

const OWN = ["dist", "src", "kernel"].map((d) => path.join(PACKAGE_ROOT, d) + path.sep);

export function isOwnFile(file: string): boolean {
  return OWN.some((dir) => file.startsWith(dir));
}

/** Whether a stack line is a frame of threadlab itself or of Node's internals. */
export function isInternalFrame(line: string): boolean {
  return /^\s+at /.test(line) && (OWN.some((dir) => line.includes(dir)) || line.includes("node:internal/"));
}
