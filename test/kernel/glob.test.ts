/**
 * The history search's glob matcher against SQLite's own GLOB (what IPython's
 * history search runs), on random patterns and texts, and its time on the
 * patterns that make a backtracking RegExp take minutes.
 */
import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { compileGlob, globMatch } from "../../kernel/glob";

const PYTHON = "/usr/bin/python3";

/** A small random generator with a seed, so that a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

(existsSync(PYTHON) ? test : test.skip)("matches as SQLite's GLOB on 3000 random patterns and texts", () => {
  const seed = Date.now() % 100000;
  const r = rng(seed);
  const PIECES = ["a", "b", "c", "*", "*", "?", "[ab]", "[^a]", "[a-c]", "[]a]", "[", "]", "-", "é", "😀"] as const;
  const CHARS = ["a", "b", "c", "]", "-", "[", "é", "😀", "\n"] as const;
  const cases: Array<[string, string]> = [];
  for (let i = 0; i < 3000; i++) {
    const pattern = Array.from({ length: Math.floor(r() * 7) }, () => pick(r, PIECES)).join("");
    const text = Array.from({ length: Math.floor(r() * 8) }, () => pick(r, CHARS)).join("");
    cases.push([pattern, text]);
  }
  const py = spawnSync(
    PYTHON,
    [
      "-c",
      "import json, sqlite3, sys\n" +
        "db = sqlite3.connect(':memory:')\n" +
        "cases = json.load(sys.stdin)\n" +
        "print(json.dumps([bool(db.execute('SELECT ? GLOB ?', (t, p)).fetchone()[0]) for p, t in cases]))",
    ],
    { input: JSON.stringify(cases), encoding: "utf8" },
  );
  expect(py.stderr).toBe("");
  const sqlite = JSON.parse(py.stdout) as boolean[];
  const wrong = cases
    .map(([pattern, text], i) => ({ pattern, text, sqlite: sqlite[i], ours: globMatch(compileGlob(pattern), text) }))
    .filter((c) => c.sqlite !== c.ours);
  expect({ seed, wrong: wrong.slice(0, 5) }).toEqual({ seed, wrong: [] });
});

test("stars cost no backtracking: 1000 stars, or a 100-character piece, over 100,000 characters in well under a second", () => {
  const text = "a".repeat(100_000);
  const t0 = performance.now();
  expect(globMatch(compileGlob("*a".repeat(1000) + "*"), text)).toBe(true);
  expect(globMatch(compileGlob("*a".repeat(1000) + "b"), text)).toBe(false);
  expect(globMatch(compileGlob("*a".repeat(1000) + "*b*"), text)).toBe(false);
  expect(globMatch(compileGlob(`*${"a".repeat(100)}b*`), text)).toBe(false);
  expect(globMatch(compileGlob("*a*b*c*d*e*f*g*h*i*j*"), "abcdefghij".repeat(5))).toBe(true);
  expect(globMatch(compileGlob("*a*a*a*a*a*a*a*a*a*a*b"), "a".repeat(50))).toBe(false);
  expect(performance.now() - t0).toBeLessThan(1000);
});
