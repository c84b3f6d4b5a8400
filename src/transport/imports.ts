/**
 * The imports of the file that started a thread, so that the names a target
 * uses for imported modules resolve to a fresh import in the worker.
 *
 * It reads the caller's source text (TypeScript or JavaScript) and knows the
 * names compiled TypeScript gives imports: `import { sleep } from "threadlab"`
 * becomes `threadlab_1` and calls become `(0, threadlab_1.sleep)(1)`.
 */
import { readFileSync } from "fs";
import { createRequire } from "module";
import * as path from "path";
import { fileURLToPath } from "url";
import { isOwnFile } from "../own-code";
import { isPoolOwner } from "../state/buffers";

export interface ImportedName {
  /** The module as the file wrote it. */
  specifier: string;
  /** The file the caller's code would load, or the builtin's name. */
  request: string;
  /** A property of the module, for `import { x } from` and `const { x } = require(...)`. */
  prop?: string;
  /** How compiled code wraps the module (`__importDefault` / `__importStar`), if it does. */
  interop?: "default" | "star";
}

const files = new Map<string, Map<string, ImportedName>>();

/** The file of the first stack frame outside threadlab itself, if it is a file. */
export function callerFile(stack: string | undefined): string | undefined {
  for (const line of (stack ?? "").split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
    if (isOwnFile(file) || file.includes(`${path.sep}node_modules${path.sep}jest-`)) continue;
    return file;
  }
  return undefined;
}

/**
 * How to find the file that starts a thread (or builds a Barrier action, submits a call):
 * read from the stack only when a name needs that file's imports. Only the main thread's
 * stack leads to a user's file; in a thread, names come from what the thread received.
 */
export function callerLookup(): () => string | undefined {
  return isPoolOwner ? () => callerFile(new Error().stack) : () => undefined;
}

/** What tsc names the variable for an import of `specifier`, without the `_N` suffix. */
function compiledBase(specifier: string): string {
  const base = specifier
    .replace(/\/+$/, "")
    .split("/")
    .pop()!
    .replace(/\.[cm]?[jt]sx?$/, "");
  return base.replace(/^(\d)/, "_$1").replace(/[^A-Za-z0-9_$]/g, "_");
}

function parseNamed(list: string): Array<[local: string, prop: string]> {
  const out: Array<[string, string]> = [];
  for (const part of list.split(",")) {
    const item = part.trim().replace(/^type\s+/, "");
    if (!item) continue;
    const m = /^([\w$]+)(?:\s+as\s+([\w$]+)|\s*:\s*([\w$]+))?$/.exec(item);
    if (m) out.push([m[2] ?? m[3] ?? m[1], m[1]]);
  }
  return out;
}

/** Reads and caches the import bindings of `file`. */
export function importsOf(file: string): Map<string, ImportedName> {
  const cached = files.get(file);
  if (cached) return cached;
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    /* not a readable file: no imports known */
  }
  const names = parseImports(text, file);
  files.set(file, names);
  return names;
}

/** The import bindings of source `text`, with modules resolved as from `file`. */
export function parseImports(text: string, file: string): Map<string, ImportedName> {
  const names = new Map<string, ImportedName>();
  const req = createRequire(file);
  const request = (specifier: string): string => {
    // An ES module may import a file by its URL: the worker's require() and import() take its path.
    const named = specifier.startsWith("file:") ? fileURLToPath(specifier) : specifier;
    try {
      return req.resolve(named);
    } catch {
      return named;
    }
  };
  const compiledCount = new Map<string, number>();
  const add = (local: string, entry: Omit<ImportedName, "request">) => {
    if (!names.has(local)) names.set(local, { ...entry, request: request(entry.specifier) });
  };
  const addCompiled = (specifier: string, interop: ImportedName["interop"]) => {
    const base = compiledBase(specifier);
    const n = (compiledCount.get(base) ?? 0) + 1;
    compiledCount.set(base, n);
    add(`${base}_${n}`, { specifier, interop });
  };

  const esImport = /^\s*import\s+(?!type\s)([^;]*?)\s+from\s+["']([^"']+)["']/gm;
  for (const m of text.matchAll(esImport)) {
    const [, clause, specifier] = m;
    let defaultName: string | undefined;
    let star: string | undefined;
    let named: Array<[string, string]> = [];
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) named = parseNamed(braces[1]);
    const rest = clause
      .replace(/\{[^}]*\}/, "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const r of rest) {
      const s = /^\*\s+as\s+([\w$]+)$/.exec(r);
      if (s) star = s[1];
      else if (/^[\w$]+$/.test(r)) defaultName = r;
    }
    if (defaultName) add(defaultName, { specifier, prop: "default", interop: "default" });
    if (star) add(star, { specifier, interop: "star" });
    for (const [local, prop] of named) add(local, { specifier, prop });
    const onlyTypes = !defaultName && !star && braces && parseNamed(braces[1]).length === 0;
    if (!onlyTypes) addCompiled(specifier, defaultName && !star && named.length === 0 ? "default" : star ? "star" : undefined);
  }
  for (const m of text.matchAll(/^\s*import\s+([\w$]+)\s*=\s*require\(\s*["']([^"']+)["']\s*\)/gm)) {
    add(m[1], { specifier: m[2] });
  }
  const cjs = /(?:const|let|var)\s+([\w$]+)\s*=\s*(?:(__importDefault|__importStar)\()?require\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of text.matchAll(cjs)) {
    add(m[1], { specifier: m[3], interop: m[2] === "__importDefault" ? "default" : m[2] ? "star" : undefined });
  }
  for (const m of text.matchAll(/(?:const|let|var)\s+\{([^}]*)\}\s*=\s*require\(\s*["']([^"']+)["']\s*\)/g)) {
    for (const [local, prop] of parseNamed(m[1])) add(local, { specifier: m[2], prop });
  }
  return names;
}
