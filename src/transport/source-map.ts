/**
 * Source maps (version 3), as far as tracebacks need them: decode the
 * `mappings` of an inline map (what ts-node appends to the JavaScript it
 * compiles) and look up where a generated line and column came from.
 */

export interface Mapping {
  /** 0-based column in the generated line. */
  column: number;
  source: number;
  /** 0-based line and column in the original source. */
  line: number;
  originalColumn: number;
}

export interface DecodedMap {
  sources: string[];
  /** Per generated line, its mappings in column order. */
  lines: Mapping[][];
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment's base64 VLQ fields. */
function vlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`bad source map character ${JSON.stringify(c)}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

export function decodeMappings(mappings: string, sources: string[]): DecodedMap {
  const lines: Mapping[][] = [];
  let source = 0;
  let line = 0;
  let column = 0;
  for (const text of mappings.split(";")) {
    const here: Mapping[] = [];
    let generated = 0;
    for (const segment of text.split(",")) {
      if (!segment) continue;
      const f = vlq(segment);
      generated += f[0];
      if (f.length < 4) continue; // a generated column with no origin
      source += f[1];
      line += f[2];
      column += f[3];
      here.push({ column: generated, source, line, originalColumn: column });
    }
    lines.push(here);
  }
  return { sources, lines };
}

/** The inline source map at the end of generated code (`//# sourceMappingURL=data:...;base64,...`), if any. */
export function inlineSourceMap(code: string): DecodedMap | undefined {
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=[^;,]+;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!m) return undefined;
  try {
    const map = JSON.parse(Buffer.from(m[1], "base64").toString("utf8")) as { mappings?: string; sources?: string[] };
    if (typeof map.mappings !== "string") return undefined;
    return decodeMappings(map.mappings, map.sources ?? []);
  } catch {
    return undefined;
  }
}

/** Where generated (line, column) (0-based) came from: the last mapping at or before that column on the line. */
export function originalPosition(map: DecodedMap, line: number, column: number): { line: number; column: number } | undefined {
  const here = map.lines[line];
  if (!here || here.length === 0) return undefined;
  let best = here[0];
  for (const m of here) {
    if (m.column > column) break;
    best = m;
  }
  return { line: best.line, column: best.originalColumn + Math.max(0, column - best.column) };
}
