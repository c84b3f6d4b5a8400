/**
 * Runs the official kernel conformance suite, jupyter_kernel_test (Debian's
 * python3-jupyter-kernel-test), against the threadlab kernel, with every
 * attribute it supports filled in (test/kernel/conformance.py).
 */
import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { installKernelspec, jupyterMissing } from "../helpers/jupyter";

const PYTHON = "/usr/bin/python3";

function suiteMissing(): string | undefined {
  const missing = jupyterMissing();
  if (missing) return missing;
  const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ["-c", "import jupyter_kernel_test"]) : { status: 1 };
  if (probe.status === 0) return undefined;
  const how = "install it with: apt-get install -y python3-jupyter-kernel-test";
  if (process.env.CI) throw new Error(`jupyter_kernel_test is required in CI; ${how}`);
  return `skipped: jupyter_kernel_test is not installed; ${how}`;
}

const missing = suiteMissing();
if (missing) process.stderr.write(`test/kernel/conformance.test.ts: ${missing}\n`);

(missing ? test.skip : test)(
  "jupyter_kernel_test passes",
  () => {
    const r = spawnSync(PYTHON, ["-m", "unittest", "-v", "conformance"], {
      cwd: __dirname,
      env: { ...process.env, JUPYTER_PATH: installKernelspec() },
      encoding: "utf8",
      timeout: 300000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`the conformance suite failed:\n${out}`);
    // Every test the suite has ran, and only the two the kernel has no feature for were skipped.
    const passed = out.match(/\.\.\. ok$/gm) ?? [];
    const skipped = out.match(/^(test_\w+).*\.\.\. skipped/gm) ?? [];
    expect(passed.length).toBe(10);
    expect(skipped.map((s) => s.split(" ")[0]).sort()).toEqual(["test_clear_output", "test_pager"]);
  },
  320000,
);
