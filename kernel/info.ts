/** The kernel_info_reply content: who this kernel is and what language it speaks. */
import { PROTOCOL_VERSION } from "./wire";
import { PACKAGE_ROOT } from "../src/host";

const version = (require(`${PACKAGE_ROOT}/package.json`) as { version: string }).version;

function typescriptVersion(): string {
  try {
    return (require("@tslab/typescript-for-tslab/package.json") as { version: string }).version;
  } catch {
    return "5";
  }
}

export function kernelInfo(): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "threadlab",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: typescriptVersion(),
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true },
    },
    banner: `threadlab ${version}: TypeScript with Python's threading; every thread's output goes to the cell that started it`,
    help_links: [{ text: "threadlab", url: "https://www.npmjs.com/package/threadlab" }],
  };
}
