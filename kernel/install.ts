/**
 * `threadlab install`: copies the kernelspec (kernel/kernelspec: kernel.json
 * and logos) where Jupyter looks for kernels, without needing Python. The
 * installed kernel.json runs this very Node and this package's command, by
 * absolute paths, so the kernel starts whatever PATH the server has.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { PACKAGE_ROOT } from "../src/host";

const SPEC = path.join(PACKAGE_ROOT, "kernel", "kernelspec");

export interface InstallOptions {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
}

/** The folder `kernels/` of Jupyter's data dirs that the options pick. */
export function kernelsDir(o: InstallOptions): string {
  if (o.prefix) return path.join(path.resolve(o.prefix), "share", "jupyter", "kernels");
  if (o.sysPrefix) {
    const prefix = process.env.VIRTUAL_ENV ?? process.env.CONDA_PREFIX ?? "/usr";
    return path.join(prefix, "share", "jupyter", "kernels");
  }
  const user = o.user ?? (typeof process.getuid === "function" ? process.getuid() !== 0 : true);
  if (user) {
    const data =
      process.env.JUPYTER_DATA_DIR ??
      path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
    return path.join(data, "kernels");
  }
  return path.join("/usr/local/share/jupyter/kernels");
}

/** The kernelspec's kernel.json, with argv pointing at this Node and this package's built command. */
export function kernelJson(): Record<string, unknown> {
  const spec = JSON.parse(readFileSync(path.join(SPEC, "kernel.json"), "utf8")) as Record<string, unknown>;
  return { ...spec, argv: [process.execPath, path.join(__dirname, "cli.js"), "kernel", "-f", "{connection_file}"] };
}

/** Writes the kernelspec; returns the folder it wrote. */
export function install(o: InstallOptions): string {
  const dir = path.join(kernelsDir(o), "threadlab");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(), null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) copyFileSync(path.join(SPEC, logo), path.join(dir, logo));
  return dir;
}
