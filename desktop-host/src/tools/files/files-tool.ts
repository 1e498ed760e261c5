import { readFile, stat, writeFile } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import type { BetaTool, BetaToolTextEditor20250728 } from "@anthropic-ai/sdk/resources/beta";
import { MAX_TASK_FILE_BYTES, TaskFileName, truncate, type TaskFile } from "@deskfleet/protocol";
import type { HostTool, HostToolFactory, ToolAnswer, ToolCall } from "../host-tool.ts";
import { ToolInputError } from "../host-tool.ts";
import type { TaskWorkspace } from "../workspace.ts";
import { MAX_VIEW_CHARS, runEditor } from "./text-editor.ts";

// The `files` grant: the text editor on the task's roots, the task's
// attachments downloaded into its folder before the agent starts, and
// `send_file` to hand a file back as an artifact of the task.

export const TEXT_EDITOR_TOOL: BetaToolTextEditor20250728 = { type: "text_editor_20250728", name: "str_replace_based_edit_tool", max_characters: MAX_VIEW_CHARS };

export const SEND_FILE_TOOL: BetaTool = {
  name: "send_file",
  description:
    "Send a file from this computer back to the person who gave you the task: it is stored with the task, downloadable from the dashboard, " +
    `and sent to the Telegram chat that started the task. Up to ${MAX_TASK_FILE_BYTES / 1024 / 1024} MiB. Paths are relative to the task's folder.`,
  input_schema: {
    type: "object",
    properties: { path: { type: "string", description: "The file to send." } },
    required: ["path"],
  },
};

export function filesTool(): HostToolFactory {
  return {
    grant: "files",
    names: ["str_replace_based_edit_tool", "send_file"],
    async open(ctx, workspace) {
      const attached = await downloadAttachments({ ctx, workspace, step: 0, signal: ctx.signal });
      return new FilesTool(workspace, attached);
    },
  };
}

class FilesTool implements HostTool {
  readonly #ws: TaskWorkspace;
  readonly #attached: { file: TaskFile; path: string }[];

  constructor(ws: TaskWorkspace, attached: { file: TaskFile; path: string }[]) {
    this.#ws = ws;
    this.#attached = attached;
  }

  definitions() {
    return [TEXT_EDITOR_TOOL, SEND_FILE_TOOL];
  }

  notes(): string[] {
    const lines = [`Your task's folder on this computer is ${this.#ws.dir}.`];
    if (this.#attached.length > 0) {
      lines.push(`Files attached to this task, downloaded there: ${this.#attached.map((a) => `${this.#ws.show(a.path)} (${a.file.bytes} bytes)`).join(", ")}.`);
    }
    return lines;
  }

  async run(name: string, input: Record<string, unknown>, call: ToolCall): Promise<ToolAnswer> {
    if (name === "send_file") return this.#send(input, call);
    const { text, write } = await runEditor(input, this.#ws);
    if (write) call.ctx.emit("file_write", { ...write, path: truncate(write.path, 10_000), step: call.step });
    return { content: text };
  }

  async #send(input: Record<string, unknown>, call: ToolCall): Promise<ToolAnswer> {
    const path = input["path"];
    if (typeof path !== "string" || path === "") throw new ToolInputError("`path` must be the file to send.");
    const real = await this.#ws.resolve(path);
    const s = await stat(real).catch(() => null);
    if (!s?.isFile()) throw new ToolInputError(`${this.#ws.show(real)} is not a file.`);
    if (s.size > MAX_TASK_FILE_BYTES) throw new ToolInputError(`${this.#ws.show(real)} is ${s.size} bytes; files sent back are limited to ${MAX_TASK_FILE_BYTES} bytes.`);
    const name = safeName(basename(real));
    const bytes = await readFile(real);
    const stored = await call.ctx.files.upload(name, bytes, contentTypeOf(name), call.signal);
    call.ctx.emit("file_transfer", { step: call.step, direction: "out", name: stored.name, path: real, bytes: stored.bytes, fileId: stored.id });
    return { content: `Sent ${stored.name} (${stored.bytes} bytes); it is stored with the task as ${stored.id}.` };
  }
}

/** Downloads the task's attachments into its folder (each once; a name taken by another file gets a suffix). */
export async function downloadAttachments(call: Pick<ToolCall, "ctx" | "workspace" | "step" | "signal">): Promise<{ file: TaskFile; path: string }[]> {
  const files = (await call.ctx.files.list(call.signal)).filter((f) => f.kind === "attachment");
  const out: { file: TaskFile; path: string }[] = [];
  const used = new Set<string>();
  for (const file of files) {
    let name = safeName(file.name);
    for (let i = 2; used.has(name); i++) name = `${basename(file.name, extname(file.name))}-${i}${extname(file.name)}`;
    used.add(name);
    const path = join(call.workspace.dir, name);
    const bytes = await call.ctx.files.download(file.id, call.signal);
    await writeFile(path, bytes);
    call.ctx.emit("file_transfer", { step: call.step, direction: "in", name: file.name, path, bytes: bytes.length, fileId: file.id });
    out.push({ file, path });
  }
  return out;
}

function safeName(name: string): string {
  const cleaned = name.replace(/[/\\\u0000-\u001f]/g, "_").replace(/^\.+/, "_").slice(0, 200);
  return TaskFileName.safeParse(cleaned).success ? cleaned : "file";
}

const TYPES: Record<string, string> = {
  ".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown", ".json": "application/json", ".html": "text/html", ".htm": "text/html",
  ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".zip": "application/zip", ".xml": "application/xml",
};

export function contentTypeOf(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}
