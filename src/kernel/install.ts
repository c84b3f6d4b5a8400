/**
 * `threadlab install`: writes the kernelspec (kernel.json and logos) where
 * Jupyter looks for kernels, without needing Python.
 */
import { mkdirSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { deflateSync } from "zlib";

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
    const data = process.env.JUPYTER_DATA_DIR ?? path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
    return path.join(data, "kernels");
  }
  return path.join("/usr/local/share/jupyter/kernels");
}

export function kernelJson(): Record<string, unknown> {
  return {
    argv: [process.execPath, path.resolve(__dirname, "..", "cli.js"), "kernel", "-f", "{connection_file}"],
    display_name: "TypeScript (threadlab)",
    language: "typescript",
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec; returns the folder it wrote. */
export function install(o: InstallOptions): string {
  const dir = path.join(kernelsDir(o), "threadlab");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(), null, 2) + "\n");
  writeFileSync(path.join(dir, "logo-32x32.png"), logo(32));
  writeFileSync(path.join(dir, "logo-64x64.png"), logo(64));
  return dir;
}

// ---- the logo: two threads (two colored stripes) on a TypeScript-blue square, drawn as a PNG ----

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function logo(size: number): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const wave = (phase: number) => Math.abs(v - 0.5 - 0.28 * Math.sin((u + phase) * Math.PI * 2)) < 0.06;
      const [r, g, b] = wave(0) ? [255, 212, 59] : wave(0.5) ? [255, 255, 255] : [49, 120, 198];
      row.set([r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
