import { z } from "zod";

/**
 * The tools beyond the screen a desktop host can offer its agent: a shell,
 * files (the text editor, attachments and `send_file`), a browser over CDP,
 * web fetch, and MCP servers (`mcp` for all of a host's servers, `mcp:<name>`
 * for one). Off unless the host allows them (`deskfleet-host run --allow …`);
 * a task's `tools` narrows that list (omitted, it takes all of it): the model
 * is offered only tools both allow.
 */
export const HOST_TOOL_KINDS = ["shell", "files", "browser", "web", "mcp"] as const;
export const HostToolId = z.string().regex(/^(shell|files|browser|web|mcp(:[a-z0-9][a-z0-9_-]{0,31})?)$/, {
  message: "a tool is one of shell, files, browser, web, mcp or mcp:<server> (lowercase letters, digits, _ and -)",
});
export type HostToolId = z.infer<typeof HostToolId>;

/** Whether a grant (`mcp`, `mcp:github`, `shell`…) covers a tool id. */
export function grants(grant: string, id: string): boolean {
  return grant === id || (grant === "mcp" && id.startsWith("mcp:"));
}

/** The tools both lists allow: what the model may be offered. */
export function allowedBoth(host: readonly string[], task: readonly string[], available: readonly string[]): string[] {
  return available.filter((id) => host.some((g) => grants(g, id)) && task.some((g) => grants(g, id)));
}

/** Most bytes one file attached to a task, or sent back from the desktop, may have. */
export const MAX_TASK_FILE_BYTES = 25 * 1024 * 1024;
/** Attachments a task may wait for. */
export const MAX_TASK_ATTACHMENTS = 20;

/** A file's name as stored: no path, no control characters, no leading dot. */
export const TaskFileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\\\u0000-\u001f.][^/\\\u0000-\u001f]*$/, { message: "a file name has no slashes or control characters and does not start with a dot" });

export const TaskFileKind = z.enum(["attachment", "artifact"]);
export type TaskFileKind = z.infer<typeof TaskFileKind>;

export const TaskFileId = z.string().regex(/^fil_[0-9a-z]{10,40}$/, { message: "a file id looks like `fil_…`" });

/** A file of a task: an attachment a person gave it, or an artifact its agent sent back (`send_file`). */
export const TaskFile = z.object({
  id: TaskFileId,
  taskId: z.string(),
  kind: TaskFileKind,
  name: TaskFileName,
  contentType: z.string().max(200),
  bytes: z.number().int().nonnegative(),
  /** Who gave it: a person for an attachment, `host:<desktop>` for an artifact. */
  by: z.string().max(200),
  createdAt: z.number().int().nonnegative(),
});
export type TaskFile = z.infer<typeof TaskFile>;
