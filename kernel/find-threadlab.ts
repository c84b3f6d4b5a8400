/**
 * Preloaded by `threadlab run` (`node -r`): a script in a folder whose node_modules has no
 * threadlab (a scratch file in /tmp) still finds `require("threadlab")`, as a notebook in any
 * folder does (modules.ts). The folder's own threadlab, where there is one, comes first. ES
 * modules (`import ... from "threadlab"` in a .mjs) get the same through a resolve hook.
 */
import * as path from "path";
import { pathToFileURL } from "url";

const MAIN = require.resolve(path.join(__dirname, "..", ".."));
type Resolve = (request: string, parent: unknown, ...rest: unknown[]) => string;
const Module = require("module") as { _resolveFilename: Resolve; register?: (url: string, parent: string) => void };
const own = (request: string) => request === "threadlab";

const resolve = Module._resolveFilename;
Module._resolveFilename = function (this: unknown, request, parent, ...rest) {
  try {
    return resolve.call(this, request, parent, ...rest);
  } catch (err) {
    if (own(request)) return MAIN;
    throw err;
  }
};

// Off the main thread of ES module loading: a data: URL module, so no second file has to ship.
const hooks = `
export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); }
  catch (err) { if (specifier === "threadlab") return { url: ${JSON.stringify(pathToFileURL(MAIN).href)}, shortCircuit: true }; throw err; }
}`;
Module.register?.(`data:text/javascript,${encodeURIComponent(hooks)}`, pathToFileURL(__filename).href);
