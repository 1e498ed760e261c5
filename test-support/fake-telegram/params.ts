import { badRequest } from "./bot-api-error.ts";
import { boundaryOf, parseMultipart, type Part } from "./multipart.ts";

/** An uploaded file from a multipart request. */
export type Upload = { name: string; type: string; bytes: Uint8Array };
export type ParamValue = unknown;

/**
 * A method's parameters, however they were sent: JSON body, urlencoded or multipart form, or the
 * query string. Form fields arrive as strings, so the getters coerce the way Telegram does
 * (numbers from digits, objects from JSON strings).
 */
export class Params {
  readonly raw: Record<string, ParamValue>;
  readonly files: Map<string, Upload>;
  constructor(raw: Record<string, ParamValue>, files = new Map<string, Upload>()) {
    this.raw = raw;
    this.files = files;
  }

  has(name: string): boolean {
    const v = this.raw[name];
    return v !== undefined && v !== null && v !== "";
  }

  string(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw badRequest(`field "${name}" must be of type String`);
  }

  int(name: string): number | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw badRequest(`field "${name}" must be of type Integer`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "1" || v === 1) return true;
    if (v === "false" || v === "0" || v === 0) return false;
    throw badRequest(`field "${name}" must be of type Boolean`);
  }

  /** An object or array parameter, sent as JSON or as a JSON-encoded string (multipart). */
  json(name: string, what: string): unknown {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      throw badRequest(`can't parse ${what} JSON object`);
    }
  }
}

export async function readParams(req: Request, query: URLSearchParams): Promise<Params> {
  const raw: Record<string, ParamValue> = Object.fromEntries(query);
  const files = new Map<string, Upload>();
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (req.method === "GET" || req.method === "HEAD") return new Params(raw, files);
  if (type === "application/json") {
    const text = await req.text();
    if (text.trim() === "") return new Params(raw, files);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw badRequest(`can't parse JSON encoded request: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("JSON request must be an object");
    Object.assign(raw, body);
  } else if (type === "multipart/form-data") {
    const boundary = boundaryOf(req.headers.get("content-type") ?? "");
    let parts: Part[];
    try {
      if (!boundary) throw new Error("no boundary");
      parts = parseMultipart(new Uint8Array(await req.arrayBuffer()), boundary);
    } catch {
      throw badRequest("can't parse request body as multipart/form-data");
    }
    for (const part of parts) {
      if (part.filename === null) raw[part.name] = new TextDecoder().decode(part.body);
      else {
        files.set(part.name, { name: part.filename, type: part.contentType ?? "application/octet-stream", bytes: part.body });
        raw[part.name] = { file: part.name };
      }
    }
  } else if (type === "application/x-www-form-urlencoded") {
    for (const [key, value] of new URLSearchParams(await req.text())) raw[key] = value;
  } else if (type !== "") {
    // Telegram ignores a body it cannot read; required parameters then fail as missing.
    await req.arrayBuffer();
  }
  return new Params(raw, files);
}
