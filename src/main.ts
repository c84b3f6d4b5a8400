/**
 * The package's main (what `require("threadlab")` loads): the library from
 * the one-file bundle with its code cache (worker/bundle.ts), which loads in
 * a fraction of the time ~60 files take; or, without a bundle, from index.ts.
 * Either way there is one copy of each module: the bundle enters its modules
 * into require's cache under their own paths, so the require below returns
 * the bundle's index. It is written as a plain re-export so that Node finds
 * the named exports for `import { Thread } from "threadlab"` in index.js.
 */
import { loadFromBundle } from "./worker/bundle";

loadFromBundle("index.js");
module.exports = require("./index") as typeof import("./index");
