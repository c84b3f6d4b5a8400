/**
 * Glob patterns as IPython's history search reads them (SQLite's GLOB: `*`
 * any run of characters, `?` one character, `[abc]`, `[a-z]`, `[^abc]`
 * character classes, case-sensitive, the whole text must match), matched
 * without backtracking: the pattern is cut at its stars into pieces; the
 * first must match at the start, the last at the end, and each one between
 * at its leftmost place after the one before (leftmost is always right for
 * globs). That is at most text length × pattern length steps, whatever the
 * stars: a regular expression with one `.*` per star backtracks
 * exponentially.
 */

type Token = { kind: "char"; ch: string } | { kind: "any" } | { kind: "class"; ranges: Array<[string, string]>; negate: boolean };

export interface Glob {
  /** The pieces between stars, each a list of one-character tokens: one piece means no star. */
  pieces: Token[][];
  /** An unterminated `[`: SQLite matches nothing. */
  broken: boolean;
}

export function compileGlob(pattern: string): Glob {
  const chars = Array.from(pattern);
  const pieces: Token[][] = [[]];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const piece = pieces[pieces.length - 1];
    if (c === "*") pieces.push([]);
    else if (c === "?") piece.push({ kind: "any" });
    else if (c === "[") {
      let j = i + 1;
      const negate = chars[j] === "^";
      if (negate) j++;
      const ranges: Array<[string, string]> = [];
      // A `]` right after `[` or `[^` is a member, as in SQLite.
      if (chars[j] === "]") {
        ranges.push(["]", "]"]);
        j++;
      }
      for (; j < chars.length && chars[j] !== "]"; j++) {
        if (chars[j + 1] === "-" && j + 2 < chars.length && chars[j + 2] !== "]") {
          ranges.push([chars[j], chars[j + 2]]);
          j += 2;
        } else ranges.push([chars[j], chars[j]]);
      }
      if (j >= chars.length) return { pieces, broken: true };
      piece.push({ kind: "class", ranges, negate });
      i = j;
    } else piece.push({ kind: "char", ch: c });
  }
  return { pieces, broken: false };
}

function tokenMatches(t: Token, ch: string): boolean {
  if (t.kind === "any") return true;
  if (t.kind === "char") return t.ch === ch;
  const cp = ch.codePointAt(0)!;
  const inside = t.ranges.some(([lo, hi]) => cp >= lo.codePointAt(0)! && cp <= hi.codePointAt(0)!);
  return inside !== t.negate;
}

function matchesAt(piece: Token[], text: string[], at: number): boolean {
  if (at < 0 || at + piece.length > text.length) return false;
  for (let k = 0; k < piece.length; k++) if (!tokenMatches(piece[k], text[at + k])) return false;
  return true;
}

/** Whether the whole of `text` matches `glob`. */
export function globMatch(glob: Glob, text: string): boolean {
  if (glob.broken) return false;
  const chars = Array.from(text);
  const { pieces } = glob;
  const head = pieces[0];
  if (pieces.length === 1) return head.length === chars.length && matchesAt(head, chars, 0);
  // Before the first star: anchored at the start; after the last: at the end.
  const tail = pieces[pieces.length - 1];
  const end = chars.length - tail.length;
  if (end < head.length || !matchesAt(head, chars, 0) || !matchesAt(tail, chars, end)) return false;
  // Each piece between stars at its leftmost place, between the two.
  let from = head.length;
  for (let p = 1; p < pieces.length - 1; p++) {
    const piece = pieces[p];
    let at = from;
    while (at + piece.length <= end && !matchesAt(piece, chars, at)) at++;
    if (at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}
