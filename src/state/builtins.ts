/**
 * Node's modules that only some threads need, loaded at their first use: each costs every worker
 * that loads it memory for as long as it lives (measured, RSS per blocked worker: v8 80 KB, module
 * 45 KB, os 40 KB, url 35 KB), and most threads never copy data through v8.serialize, require a
 * module, start a thread or name an ES module by its URL.
 */
let v8Module: typeof import("v8") | undefined;
let urlModule: typeof import("url") | undefined;
let moduleModule: typeof import("module") | undefined;
let osModule: typeof import("os") | undefined;

/** Node's v8 module (serialize, deserialize). */
export function v8(): typeof import("v8") {
  return (v8Module ??= require("v8") as typeof import("v8"));
}

/** Node's url module. */
export function url(): typeof import("url") {
  return (urlModule ??= require("url") as typeof import("url"));
}

/** Node's module module: the Module class, with createRequire. */
export function nodeModule(): typeof import("module") {
  return (moduleModule ??= require("module") as typeof import("module"));
}

/** Node's os module. */
export function os(): typeof import("os") {
  return (osModule ??= require("os") as typeof import("os"));
}
