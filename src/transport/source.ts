/**
 * A function's source as it will be rebuilt in a worker, and the free names it
 * uses (the ones it does not declare itself), found by real scope analysis.
 */
import type * as acorn from "acorn";
import { acornParser, scopeAnalyzer } from "./parser";

export interface FreeName {
  name: string;
  /** Whether the code assigns to the name (which cannot reach the caller's variable). */
  written: boolean;
  /**
   * The members the code assigns to (`ns.prop = …`, `ns.prop += …`, `ns.prop++`): a
   * notebook's cells read their earlier names as `exports.prop`, so this is how a thread's
   * function assigns to one.
   */
  memberWrites?: string[];
}

export interface Analysis {
  /** An expression that evaluates to the function or class. */
  expr: string;
  free: FreeName[];
  isClass: boolean;
  /** A method (`update(x) { ... }`, as a class's method reads): it runs on an object. */
  isMethod: boolean;
  /** Whether its own body (not a nested function's) uses `this`. */
  usesThis: boolean;
}

const cache = new Map<string, Analysis>();

function parseExpression(code: string): acorn.Program | undefined {
  try {
    return acornParser().parse(code, { ecmaVersion: "latest", sourceType: "script", ranges: true });
  } catch {
    return undefined;
  }
}

/**
 * Analyzes `fn`'s source. Method shorthand (`run() {…}`, as a class method's
 * `toString()` gives it) is wrapped into an object literal to become an expression.
 *
 * @throws {TypeError} for native and bound functions, whose source is not available.
 */
export function analyze(fn: (...args: never[]) => unknown, label: string): Analysis {
  const src = Function.prototype.toString.call(fn);
  const hit = cache.get(src);
  if (hit) return hit;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    throw new TypeError(
      `cannot send ${label} to a thread: it is a native or bound function, so its source is not available. ` +
        `Pass the original function (not fn.bind(...)) and its arguments in args`,
    );
  }
  let expr = `(${src})`;
  let ast = parseExpression(expr);
  if (!ast) {
    const key = fn.name && /^[A-Za-z_$][\w$]*$/.test(fn.name) ? fn.name : undefined;
    const wrapped = key ? `({${src}})[${JSON.stringify(key)}]` : undefined;
    if (wrapped && (ast = parseExpression(wrapped))) expr = wrapped;
  }
  if (!ast) {
    throw new TypeError(`cannot send ${label} to a thread: its source could not be parsed as JavaScript:\n${src}`);
  }
  const result = freeNames(ast, expr, src);
  cache.set(src, result);
  return result;
}

/** Analyzes an expression that `analyze` produced earlier (a binding received from another thread). */
export function analyzeExpression(expr: string, label: string): Analysis {
  const hit = cache.get(expr);
  if (hit) return hit;
  const ast = parseExpression(expr);
  if (!ast) throw new TypeError(`cannot send ${label} to a thread: its source could not be parsed`);
  const result = freeNames(ast, expr, expr.replace(/^\(/, ""));
  cache.set(expr, result);
  return result;
}

function freeNames(ast: acorn.Program, expr: string, src: string): Analysis {
  const manager = scopeAnalyzer().analyze(ast, { ecmaVersion: 2022, sourceType: "script" });
  const global = manager.globalScope!;
  const byName = new Map<string, FreeName>();
  for (const ref of global.through) {
    const name = ref.identifier.name;
    const entry = byName.get(name) ?? { name, written: false };
    if (ref.isWrite()) entry.written = true;
    byName.set(name, entry);
  }
  for (const [name, prop] of memberWrites(ast)) {
    const entry = byName.get(name);
    if (!entry) continue;
    entry.memberWrites ??= [];
    if (!entry.memberWrites.includes(prop)) entry.memberWrites.push(prop);
  }
  return {
    expr,
    free: [...byName.values()],
    isClass: /^class\b/.test(src.trimStart()),
    isMethod: expr.startsWith("({"),
    usesThis: usesThis(ast),
  };
}

interface Node {
  type: string;
  [key: string]: unknown;
}

/** The nodes directly under `node`. */
function* children(node: Node): Generator<Node> {
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const v of value) if (v && typeof (v as Node).type === "string") yield v as Node;
    if (value && typeof (value as Node).type === "string") yield value as Node;
  }
}

/** Each `name.prop` the code assigns to (or increments), as [name, prop]. */
function memberWrites(ast: acorn.Program): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const target = (node: Node | undefined) => {
    if (node?.type !== "MemberExpression" || node.computed) return;
    const object = node.object as Node;
    const property = node.property as Node;
    if (object.type === "Identifier" && property.type === "Identifier")
      out.push([object.name as string, property.name as string]);
  };
  const visit = (node: Node): void => {
    if (node.type === "AssignmentExpression") target(node.left as Node);
    else if (node.type === "UpdateExpression") target(node.argument as Node);
    else if (node.type === "ForInStatement" || node.type === "ForOfStatement") target(node.left as Node);
    for (const child of children(node)) visit(child);
  };
  visit(ast as unknown as Node);
  return out;
}

/** Whether the function in `ast` uses `this` itself (arrow functions inside share it; other functions do not). */
function usesThis(ast: acorn.Program): boolean {
  let depth = 0;
  let found = false;
  const visit = (node: Node): void => {
    if (found) return;
    if (node.type === "ThisExpression" && depth <= 1) found = true;
    const own = node.type === "FunctionExpression" || node.type === "FunctionDeclaration" || node.type === "ClassBody";
    if (own) depth++;
    for (const child of children(node)) visit(child);
    if (own) depth--;
  };
  visit(ast as unknown as Node);
  return found;
}
