/**
 * Jupyter's wire protocol (messaging spec 5.3): frames in and out, HMAC
 * signatures, headers. Pure functions; no sockets here.
 */
import { createHmac, randomUUID } from "crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIM = "<IDS|MSG>";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

function sign(key: string, parts: Buffer[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** Parses frames from a ROUTER socket; throws on a bad signature. */
export function decode(key: string, frames: Buffer[]): Message {
  const at = frames.findIndex((f) => f.toString() === DELIM);
  if (at < 0) throw new Error("message without <IDS|MSG> delimiter");
  const [signature, header, parent, metadata, content, ...buffers] = frames.slice(at + 1);
  const expected = sign(key, [header, parent, metadata, content]);
  if (key && signature.toString() !== expected) throw new Error("message with an invalid signature");
  return {
    identities: frames.slice(0, at),
    header: JSON.parse(header.toString()) as Header,
    parent_header: JSON.parse(parent.toString()) as Message["parent_header"],
    metadata: JSON.parse(metadata.toString()) as Record<string, unknown>,
    content: JSON.parse(content.toString()) as Record<string, unknown>,
    buffers,
  };
}

export function newHeader(msgType: string, session: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username: "threadlab",
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** Frames for a message of `msgType` answering `parent` (or with no parent). */
export function encode(
  key: string,
  session: string,
  msgType: string,
  content: unknown,
  parent?: { header: Header | Record<string, never>; identities?: Buffer[] },
  metadata: Record<string, unknown> = {},
): Buffer[] {
  const parts = [
    Buffer.from(JSON.stringify(newHeader(msgType, session))),
    Buffer.from(JSON.stringify(parent?.header ?? {})),
    Buffer.from(JSON.stringify(metadata)),
    Buffer.from(JSON.stringify(content)),
  ];
  return [...(parent?.identities ?? []), Buffer.from(DELIM), Buffer.from(sign(key, parts)), ...parts];
}
