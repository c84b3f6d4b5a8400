/**
 * Making programs, for the modules that send functions to threads (a Thread's
 * target, a Barrier's action, a call submitted to an executor...): the
 * resolver (resolve.ts, and what it uses: the parser, the inspector, the
 * imports of files, the scripts' sources) loads at its first use. A pool
 * worker needs it only once its thread starts a thread, so it is not part of a
 * worker's start-up: the build puts it in the parser's bundle (worker/bundle.ts),
 * which a process loads at its first thread start anyway.
 */
import type { Program } from "./resolve";

type Resolver = typeof import("./resolve");
let loaded: Resolver | undefined;
const resolver = (): Resolver => (loaded ??= require("./resolve") as Resolver);

/** The program for `target` (see resolve.ts). */
export function buildProgram(target: (...args: never[]) => unknown, label: string, callerOf?: () => string | undefined): Program {
  return resolver().buildProgram(target, label, callerOf);
}

/** Refuses a method given without its object (see resolve.ts). */
export function refuseDetachedMethod(fn: unknown, where: string): void {
  resolver().refuseDetachedMethod(fn, where);
}

/** How to find the file that starts a thread, when a name needs its imports (see imports.ts). */
export function callerLookup(): () => string | undefined {
  return resolver().callerLookup();
}
