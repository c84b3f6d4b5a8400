/**
 * The JavaScript parser and scope analyzer, loaded when first needed: most
 * threads never analyze a function (only a thread that starts a thread does),
 * and a worker that does not load them boots faster and smaller.
 */
import type * as Acorn from "acorn";
import type * as EslintScope from "eslint-scope";

let acorn: typeof Acorn | undefined;
let eslintScope: typeof EslintScope | undefined;

export function acornParser(): typeof Acorn {
  return (acorn ??= require("acorn") as typeof Acorn);
}

export function scopeAnalyzer(): typeof EslintScope {
  return (eslintScope ??= require("eslint-scope") as typeof EslintScope);
}
