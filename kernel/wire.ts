/**
 * Jupyter's wire protocol (messaging spec 5.3): frames in and out, HMAC
 * signatures, headers. No sockets here.
 *
 * What `decode` checks, in order, as jupyter_client's Session.deserialize
 * does: the `<IDS|MSG>` delimiter; a signature (when the connection has a
 * key), compared in constant time, and not one seen before (a replayed
 * message is dropped); the four JSON frames; a header that is an object with
 * a string `msg_type`. A message failing any of these cannot be answered
 * (there is no header to answer): `decode` throws a `WireError` saying why.
 * Parent header and metadata that are not objects are read as `{}`; content
 * that is not an object is kept as `problem`, for an error reply.
 */
import { createHmac, getHashes, randomUUID, timingSafeEqual } from "crypto";

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
  /** Set when the content frame was not a JSON object (the content is then `{}`): what it was. */
  problem?: string;
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

/** A message that cannot be read (and so cannot be answered). */
export class WireError extends Error {
  override name = "WireError";
}

let HASHES: Set<string> | undefined;

/**
 * Signs and checks messages with the connection's key and signature scheme
 * ("hmac-HASH", as jupyter_client's Session: any hash Node's crypto has).
 * An empty key means unsigned messages, as in jupyter_client.
 */
export class Signer {
  readonly hash: string;
  constructor(
    readonly key: string,
    readonly scheme = "hmac-sha256",
  ) {
    if (typeof scheme !== "string" || !scheme.startsWith("hmac-")) {
      throw new TypeError(`signature_scheme must start with 'hmac-', got ${JSON.stringify(scheme)}`);
    }
    this.hash = scheme.slice("hmac-".length);
    if (!(HASHES ??= new Set(getHashes())).has(this.hash)) {
      throw new TypeError(`signature_scheme ${JSON.stringify(scheme)}: Node's crypto has no such hash: ${this.hash}`);
    }
  }

  sign(parts: Buffer[]): string {
    if (!this.key) return "";
    const h = createHmac(this.hash, this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  /** Whether `signature` is the signature of `parts`, compared in constant time. */
  verify(signature: Buffer, parts: Buffer[]): boolean {
    const expected = Buffer.from(this.sign(parts));
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

/**
 * The signatures of messages received so far, as jupyter_client's
 * `digest_history`: a message whose signature was seen before is a replay.
 * Bounded: past `size` entries, the oldest tenth is forgotten.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();
  constructor(readonly size = 2 ** 16) {}

  /** Records `signature`; false if it was seen before. */
  admit(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.size) {
      let drop = Math.max(1, Math.floor(this.size / 10));
      for (const s of this.seen) {
        if (drop-- <= 0) break;
        this.seen.delete(s);
      }
    }
    return true;
  }
}

const plain = new Map<string, Signer>();
function signerOf(auth: string | Signer): Signer {
  if (typeof auth !== "string") return auth;
  let s = plain.get(auth);
  if (!s) plain.set(auth, (s = new Signer(auth)));
  return s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON's name for what `v` is, for error messages. */
export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function parseFrame(frame: Buffer, name: string): unknown {
  try {
    return JSON.parse(frame.toString("utf8"));
  } catch (err) {
    throw new WireError(`the ${name} frame is not JSON (${(err as Error).message})`);
  }
}

/**
 * Parses frames from a ROUTER socket. Throws a WireError when the message
 * cannot be read: no delimiter, too few frames, a missing, wrong or replayed
 * signature (`guard` remembers signatures), JSON that does not parse, or a
 * header without a string msg_type.
 */
export function decode(auth: string | Signer, frames: Buffer[], guard?: ReplayGuard): Message {
  const signer = signerOf(auth);
  const at = frames.findIndex((f) => f.length === DELIM.length && f.toString() === DELIM);
  if (at < 0) throw new WireError("message without the <IDS|MSG> delimiter");
  const rest = frames.slice(at + 1);
  if (rest.length < 5) {
    throw new WireError(
      `malformed message: ${rest.length} frame(s) after <IDS|MSG>, at least 5 needed (signature, header, parent header, metadata, content)`,
    );
  }
  const [signature, header, parent, metadata, content, ...buffers] = rest;
  if (signer.key) {
    if (signature.length === 0) throw new WireError("unsigned message (the connection has a key)");
    if (!signer.verify(signature, [header, parent, metadata, content])) throw new WireError("message with an invalid signature");
    if (guard && !guard.admit(signature.toString("latin1"))) throw new WireError("duplicate signature: a replayed message");
  }
  const h = parseFrame(header, "header");
  if (!isObject(h)) throw new WireError(`the header must be a JSON object, not ${jsonType(h)}`);
  if (typeof h.msg_type !== "string" || h.msg_type === "") {
    throw new WireError(`the header's msg_type must be a non-empty string, not ${jsonType(h.msg_type)}`);
  }
  if (typeof h.msg_id !== "string") throw new WireError(`the header's msg_id must be a string, not ${jsonType(h.msg_id)}`);
  const p = parseFrame(parent, "parent header");
  const m = parseFrame(metadata, "metadata");
  const c = parseFrame(content, "content");
  return {
    identities: frames.slice(0, at),
    header: h as unknown as Header,
    parent_header: (isObject(p) ? p : {}) as Message["parent_header"],
    metadata: isObject(m) ? m : {},
    content: isObject(c) ? c : {},
    problem: isObject(c) ? undefined : `content must be a JSON object, not ${jsonType(c)}`,
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
  auth: string | Signer,
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
  return [...(parent?.identities ?? []), Buffer.from(DELIM), Buffer.from(signerOf(auth).sign(parts)), ...parts];
}
