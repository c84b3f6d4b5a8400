/**
 * Where each position of a cell's compiled JavaScript came from in the
 * cell's TypeScript. The cell compiler gives no source map, and its output
 * adds lines (emit helpers, `exports.x = x`) and drops others (types), so the
 * two token streams are aligned instead: the longest common subsequence of
 * their tokens pairs each emitted token with the one the user wrote. Types
 * vanish from the output, emit helpers match nothing, and what is left lines up.
 */
import * as ts from "@tslab/typescript-for-tslab";
import type { DecodedMap, Mapping } from "../src/host";

interface Token {
  text: string;
  line: number;
  column: number;
}

function tokens(text: string): Token[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  const out: Token[] = [];
  let lineIndex = 0;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    const pos = scanner.getTokenPos();
    while (lineIndex + 1 < starts.length && starts[lineIndex + 1] <= pos) lineIndex++;
    out.push({ text: scanner.getTokenText(), line: lineIndex, column: pos - starts[lineIndex] });
  }
  return out;
}

/** Pairs of (output token index, source token index) of a longest common subsequence. */
function align(a: Token[], b: Token[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return greedy(a, b);
  // lengths[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lengths = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * w + j] =
        a[i].text === b[j].text ? lengths[(i + 1) * w + j + 1] + 1 : Math.max(lengths[(i + 1) * w + j], lengths[i * w + j + 1]);
    }
  }
  const pairs: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n && j < m;) {
    // Of equally long alignments, prefer the one that pairs a source token with the later of two
    // equal output tokens: the compiler adds code before the user's (`exports.f = f;` before
    // the call `f()`), rarely after it.
    if (a[i].text === b[j].text && lengths[(i + 1) * w + j] < lengths[i * w + j]) pairs.push([i++, j++]);
    else if (lengths[(i + 1) * w + j] >= lengths[i * w + j + 1]) i++;
    else j++;
  }
  return pairs;
}

/** For cells too large to align exactly: match each output token to the next equal source token. */
function greedy(a: Token[], b: Token[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    for (let k = j; k < Math.min(b.length, j + 50); k++) {
      if (a[i].text === b[k].text) {
        pairs.push([i, k]);
        j = k + 1;
        break;
      }
    }
  }
  return pairs;
}

/**
 * A source map from `code` (the compiled cell as it runs: `prefix` then the
 * compiler's output) to `source` (the cell's TypeScript).
 */
export function cellMap(source: string, output: string, prefix: string): DecodedMap {
  const out = tokens(output);
  const src = tokens(source);
  const lines: Mapping[][] = output.split("\n").map(() => []);
  const pairs = align(out, src);
  const srcOf = new Map(pairs);
  for (const [i, j] of pairs) {
    // A plain call of an imported or notebook function, `(0, m.f)(x)`: V8 places the call at its
    // `(`, which is the name's place in the cell (`f(x)`), not the parenthesis after it.
    const name = plainCallee(out, i);
    const at = src[name !== undefined ? (srcOf.get(name) ?? j) : j];
    const t = out[i];
    lines[t.line].push({
      column: t.column + (t.line === 0 ? prefix.length : 0),
      source: 0,
      line: at.line,
      originalColumn: at.column,
    });
  }
  return { sources: ["cell"], lines };
}

/** If `out[i]` is the `(` of `(0, m.f)(...)`, the index of `f`. */
function plainCallee(out: Token[], i: number): number | undefined {
  if (i < 7 || out[i].text !== "(" || out[i - 1].text !== ")" || out[i - 3].text !== ".") return undefined;
  if (out[i - 5].text !== "," || out[i - 6].text !== "0" || out[i - 7].text !== "(") return undefined;
  return i - 2;
}
