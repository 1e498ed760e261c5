import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HostEventInput } from "@deskfleet/protocol";
import { ToolInputError } from "../host-tool.ts";
import type { TaskWorkspace } from "../workspace.ts";

// Anthropic's text editor tool (`text_editor_20250728`, named
// `str_replace_based_edit_tool`): view, create, str_replace and insert, on
// the desktop's file system, confined to the task's roots. This version has
// no undo_edit.

export const MAX_VIEW_CHARS = 20_000;
const MAX_FILE_BYTES = 10 * 1024 * 1024;

export type EditorResult = { text: string; write?: Omit<HostEventInput<"file_write">, "step"> };

export async function runEditor(input: Record<string, unknown>, ws: TaskWorkspace): Promise<EditorResult> {
  const command = input["command"];
  const path = input["path"];
  if (typeof path !== "string" || path === "") throw new ToolInputError("`path` must be a file or folder path.");
  switch (command) {
    case "view":
      return { text: await view(await ws.resolve(path), input["view_range"], ws) };
    case "create": {
      const text = input["file_text"];
      if (typeof text !== "string") throw new ToolInputError("`create` needs `file_text`, the file's whole content.");
      const real = await ws.resolveForWrite(path);
      const existed = await stat(real).then((s) => s.isFile(), () => false);
      await writeFile(real, text);
      return { text: `${existed ? "Overwrote" : "Created"} ${ws.show(real)} (${Buffer.byteLength(text)} bytes).`, write: { op: "create", path: real, bytes: Buffer.byteLength(text) } };
    }
    case "str_replace": {
      const oldStr = input["old_str"];
      const newStr = input["new_str"] ?? "";
      if (typeof oldStr !== "string" || oldStr === "") throw new ToolInputError("`str_replace` needs `old_str`, the exact text to replace.");
      if (typeof newStr !== "string") throw new ToolInputError("`new_str` must be a string.");
      const real = await ws.resolve(path);
      const content = await readText(real, ws);
      const count = content.split(oldStr).length - 1;
      if (count === 0) throw new ToolInputError(`No replacement was performed: old_str did not appear verbatim in ${ws.show(real)}.`);
      if (count > 1) {
        const lines = content.split("\n").flatMap((l, i) => (l.includes(oldStr.split("\n")[0]!) ? [i + 1] : []));
        throw new ToolInputError(`No replacement was performed: old_str appears ${count} times in ${ws.show(real)} (lines ${lines.slice(0, 10).join(", ")}). Include more context to make it unique.`);
      }
      const updated = content.replace(oldStr, () => newStr);
      await writeFile(real, updated);
      const at = content.slice(0, content.indexOf(oldStr)).split("\n").length;
      return { text: `Edited ${ws.show(real)}.\n${snippet(updated, at, newStr.split("\n").length)}`, write: { op: "str_replace", path: real, bytes: Buffer.byteLength(updated) } };
    }
    case "insert": {
      const line = input["insert_line"];
      // The 2025-07-28 tool names it insert_text; earlier versions and some docs say new_str.
      const text = input["insert_text"] ?? input["new_str"];
      if (typeof line !== "number" || !Number.isInteger(line) || line < 0) throw new ToolInputError("`insert_line` must be a line number (0 inserts at the top).");
      if (typeof text !== "string") throw new ToolInputError("`insert` needs `insert_text`, the text to insert.");
      const real = await ws.resolve(path);
      const lines = (await readText(real, ws)).split("\n");
      if (line > lines.length) throw new ToolInputError(`insert_line ${line} is past the end of ${ws.show(real)}, which has ${lines.length} lines.`);
      lines.splice(line, 0, ...text.split("\n"));
      const updated = lines.join("\n");
      await writeFile(real, updated);
      return { text: `Inserted after line ${line} of ${ws.show(real)}.\n${snippet(updated, line + 1, text.split("\n").length)}`, write: { op: "insert", path: real, bytes: Buffer.byteLength(updated) } };
    }
    case "undo_edit":
      throw new ToolInputError("undo_edit is not part of this text editor version; make the reverse edit with str_replace.");
    default:
      throw new ToolInputError("`command` must be one of view, create, str_replace, insert.");
  }
}

async function readText(real: string, ws: TaskWorkspace): Promise<string> {
  const s = await stat(real).catch(() => null);
  if (!s) throw new ToolInputError(`${ws.show(real)} does not exist.`);
  if (!s.isFile()) throw new ToolInputError(`${ws.show(real)} is not a file.`);
  if (s.size > MAX_FILE_BYTES) throw new ToolInputError(`${ws.show(real)} is ${s.size} bytes; the editor handles files up to ${MAX_FILE_BYTES}. Use the shell for it.`);
  const bytes = await readFile(real);
  if (bytes.includes(0)) throw new ToolInputError(`${ws.show(real)} looks binary; the editor handles text.`);
  return bytes.toString("utf8");
}

async function view(real: string, range: unknown, ws: TaskWorkspace): Promise<string> {
  const s = await stat(real).catch(() => null);
  if (!s) throw new ToolInputError(`${ws.show(real)} does not exist.`);
  if (s.isDirectory()) {
    if (range !== undefined) throw new ToolInputError("view_range applies to files, not folders.");
    const lines = await listTree(real, 2);
    return cut(`Files and folders in ${ws.show(real)}, up to 2 levels deep, hidden ones left out:\n${lines.join("\n") || "(empty)"}`);
  }
  const lines = (await readText(real, ws)).split("\n");
  let from = 1;
  let to = lines.length;
  if (range !== undefined) {
    if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n))) throw new ToolInputError("view_range must be [start, end], 1-based; end -1 reads to the end.");
    [from, to] = [range[0] as number, (range[1] as number) === -1 ? lines.length : (range[1] as number)];
    if (from < 1 || from > lines.length || to < from || to > lines.length) throw new ToolInputError(`view_range [${range.join(", ")}] does not fit the file's ${lines.length} lines.`);
  }
  return cut(lines.slice(from - 1, to).map((l, i) => `${String(from + i).padStart(6)}\t${l}`).join("\n"));
}

async function listTree(dir: string, depth: number, prefix = ""): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith(".")).sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    out.push(`${prefix}${e.name}${e.isDirectory() ? "/" : ""}`);
    if (e.isDirectory() && depth > 1) out.push(...(await listTree(join(dir, e.name), depth - 1, `${prefix}${e.name}/`)));
  }
  return out;
}

function snippet(content: string, aroundLine: number, span: number): string {
  const lines = content.split("\n");
  const from = Math.max(1, aroundLine - 3);
  const to = Math.min(lines.length, aroundLine + span + 2);
  return lines.slice(from - 1, to).map((l, i) => `${String(from + i).padStart(6)}\t${l}`).join("\n");
}

function cut(text: string): string {
  return text.length <= MAX_VIEW_CHARS ? text : `${text.slice(0, MAX_VIEW_CHARS)}\n<response clipped: ${text.length - MAX_VIEW_CHARS} more characters; view a line range, or search with the shell>`;
}
