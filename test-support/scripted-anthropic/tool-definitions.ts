/**
 * The API's checks of a tool definition beyond its tag: which fields each
 * type takes (extra ones are refused), a custom tool's description and
 * `input_schema` (a JSON Schema the API compiles: an unknown `type`, a
 * non-object `properties` or a `required` that is not a list of strings is
 * refused), and the Anthropic-defined tools' options (`max_characters` of the
 * text editor). Also what a tool call's input must look like for each tool,
 * so a script that calls a tool with input its schema forbids fails as a
 * script bug instead of testing code against calls no model would make.
 */
import { invalid } from "./api-error.ts";
import type { Json, JsonObject } from "./validate-request.ts";

const COMMON = ["type", "name", "cache_control", "allowed_callers", "defer_loading", "input_examples", "strict"];
export const TOOL_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  custom: new Set([...COMMON, "description", "input_schema", "eager_input_streaming"]),
  bash_20250124: new Set(COMMON),
  text_editor_20250728: new Set([...COMMON, "max_characters"]),
};

const JSON_TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

export function validateToolDefinition(t: JsonObject, type: string, path: string): void {
  const fields = TOOL_FIELDS[type];
  if (fields) for (const k of Object.keys(t)) if (!fields.has(k)) throw invalid(`${path}.${type}.${k}: Extra inputs are not permitted`);
  if (type === "custom") {
    if (t["description"] !== undefined && typeof t["description"] !== "string") throw invalid(`${path}.custom.description: Input should be a valid string`);
    validateSchema(t["input_schema"] as Json, `${path}.custom.input_schema`);
  }
  if (type === "text_editor_20250728") {
    const mc = t["max_characters"];
    if (mc !== undefined && mc !== null && (typeof mc !== "number" || !Number.isInteger(mc) || mc < 1)) {
      throw invalid(`${path}.${type}.max_characters: Input should be greater than or equal to 1`);
    }
  }
}

function validateSchema(s: Json, path: string): void {
  if (typeof s === "boolean") return;
  if (!isObj(s)) throw invalid(`${path}: JSON schema is invalid - please consult https://json-schema.org or our documentation at https://docs.anthropic.com/en/docs/tool-use`);
  const bad = () => invalid(`${path}: JSON schema is invalid - please consult https://json-schema.org or our documentation at https://docs.anthropic.com/en/docs/tool-use`);
  const type = s["type"];
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    if (types.some((x) => typeof x !== "string" || !JSON_TYPES.has(x))) throw bad();
  }
  const props = s["properties"];
  if (props !== undefined && props !== null) {
    if (!isObj(props)) throw bad();
    for (const [k, v] of Object.entries(props)) validateSchema(v, `${path}.properties.${k}`);
  }
  const req = s["required"];
  if (req !== undefined && req !== null && (!Array.isArray(req) || req.some((r) => typeof r !== "string"))) throw bad();
  if (s["items"] !== undefined) {
    const items = s["items"];
    if (Array.isArray(items)) items.forEach((it, i) => validateSchema(it, `${path}.items.${i}`));
    else validateSchema(items, `${path}.items`);
  }
  if (s["enum"] !== undefined && !Array.isArray(s["enum"])) throw bad();
  for (const k of ["anyOf", "oneOf", "allOf"]) {
    const list = s[k];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw bad();
    list.forEach((x, i) => validateSchema(x, `${path}.${k}.${i}`));
  }
}

/** Why a tool call's input does not fit the tool's schema, or null when it does (checked as the model's sampler would constrain it). */
export function inputProblem(def: JsonObject, type: string, input: Record<string, unknown>): string | null {
  if (type === "bash_20250124") {
    if (input["restart"] === true) return null;
    return typeof input["command"] === "string" ? null : "bash needs `command` (a string) or `restart: true`";
  }
  if (type === "text_editor_20250728") {
    const command = input["command"];
    if (typeof input["path"] !== "string") return "the text editor needs `path`";
    const need: Record<string, string[]> = { view: [], create: ["file_text"], str_replace: ["old_str"], insert: ["insert_line", "insert_text"] };
    const fields = typeof command === "string" ? need[command] : undefined;
    if (!fields) return "the text editor's `command` is one of view, create, str_replace, insert (text_editor_20250728 has no undo_edit)";
    const missing = fields.filter((f) => input[f] === undefined);
    return missing.length ? `the text editor's ${command} needs ${missing.join(", ")}` : null;
  }
  if (type === "custom") return schemaProblem(def["input_schema"] as Json, input, "input");
  return null;
}

function schemaProblem(s: Json, v: unknown, at: string): string | null {
  if (!isObj(s)) return null;
  const type = s["type"];
  const types = type === undefined ? null : Array.isArray(type) ? type : [type];
  if (types && !types.some((t) => matches(String(t), v))) return `${at} should be ${types.join(" or ")}`;
  if (Array.isArray(s["enum"]) && !s["enum"].some((e) => JSON.stringify(e) === JSON.stringify(v))) return `${at} should be one of ${JSON.stringify(s["enum"])}`;
  if (isObj(v)) {
    for (const r of Array.isArray(s["required"]) ? s["required"] : []) if (!(String(r) in v)) return `${at}.${String(r)} is required`;
    const props = isObj(s["properties"]) ? s["properties"] : {};
    for (const [k, sub] of Object.entries(props)) {
      if (k in v) {
        const p = schemaProblem(sub, v[k], `${at}.${k}`);
        if (p) return p;
      }
    }
  }
  return null;
}

function matches(type: string, v: unknown): boolean {
  switch (type) {
    case "object": return isObj(v);
    case "array": return Array.isArray(v);
    case "string": return typeof v === "string";
    case "number": return typeof v === "number";
    case "integer": return typeof v === "number" && Number.isInteger(v);
    case "boolean": return typeof v === "boolean";
    case "null": return v === null;
    default: return true;
  }
}
