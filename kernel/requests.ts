/**
 * What each request's content must hold (messaging spec 5.3), checked before
 * the kernel acts on it. A malformed request gets an error reply naming the
 * field and what it should be, and the kernel goes on (ipykernel logs "Got
 * bad msg" and may leave the client waiting; this kernel always answers).
 */
import { jsonType, type Message } from "./wire";

type Check = (v: unknown) => boolean;
interface Field {
  /** What the field must be, as the error says it ("a string"). */
  what: string;
  ok: Check;
  required?: boolean;
  /** Also accept null, as the spec's optional fields (`stop: null`). */
  nullable?: boolean;
}

const str: Check = (v) => typeof v === "string";
const bool: Check = (v) => typeof v === "boolean";
const int: Check = (v) => typeof v === "number" && Number.isSafeInteger(v);
const obj: Check = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

const STRING = { what: "a string", ok: str };
const BOOL = { what: "a boolean", ok: bool };
const INT = { what: "an integer", ok: int };
const OBJECT = { what: "an object", ok: obj };

const SCHEMAS: Record<string, Record<string, Field>> = {
  execute_request: {
    code: { ...STRING, required: true },
    silent: BOOL,
    store_history: BOOL,
    user_expressions: { ...OBJECT, nullable: true },
    allow_stdin: BOOL,
    stop_on_error: BOOL,
  },
  complete_request: { code: { ...STRING, required: true }, cursor_pos: { ...INT, nullable: true } },
  inspect_request: {
    code: { ...STRING, required: true },
    cursor_pos: { ...INT, nullable: true },
    detail_level: { what: "0 or 1", ok: (v) => v === 0 || v === 1 },
  },
  is_complete_request: { code: { ...STRING, required: true } },
  history_request: {
    hist_access_type: { what: "'range', 'tail' or 'search'", ok: (v) => v === "range" || v === "tail" || v === "search" },
    output: BOOL,
    raw: BOOL,
    session: { ...INT, nullable: true },
    start: { ...INT, nullable: true },
    stop: { ...INT, nullable: true },
    n: { ...INT, nullable: true },
    pattern: { ...STRING, nullable: true },
    unique: BOOL,
  },
  kernel_info_request: {},
  comm_info_request: { target_name: { ...STRING, nullable: true } },
  interrupt_request: {},
  shutdown_request: { restart: BOOL },
};

/** The requests this kernel answers. */
export const REQUESTS = new Set(Object.keys(SCHEMAS));

function shown(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** What is wrong with a request's content, in CPython's wording, or undefined if nothing is. */
export function checkRequest(msg: Message): { ename: string; evalue: string } | undefined {
  const type = msg.header.msg_type;
  const schema = SCHEMAS[type];
  if (!schema) return undefined;
  if (msg.problem) return { ename: "TypeError", evalue: `${type}: ${msg.problem}` };
  const content = msg.content;
  for (const [name, field] of Object.entries(schema)) {
    const value = content[name];
    if (value === undefined) {
      if (field.required) return { ename: "TypeError", evalue: `${type} missing required field '${name}' (${field.what})` };
      continue;
    }
    if (value === null && (field.nullable || !field.required)) continue;
    if (!field.ok(value)) {
      return {
        ename: "TypeError",
        evalue: `${type}: '${name}' must be ${field.what}${field.nullable ? " or null" : ""}, not ${jsonType(value)} (${shown(value)})`,
      };
    }
  }
  const pos = content.cursor_pos;
  if (typeof pos === "number" && typeof content.code === "string" && (pos < 0 || pos > content.code.length)) {
    return {
      ename: "ValueError",
      evalue: `${type}: 'cursor_pos' ${pos} is outside 'code' (0 to ${content.code.length}, its length)`,
    };
  }
  return undefined;
}

/** The reply type of a request type: `execute_request` → `execute_reply`. */
export function replyType(requestType: string): string {
  return requestType.endsWith("_request") ? `${requestType.slice(0, -"_request".length)}_reply` : `${requestType}_reply`;
}
