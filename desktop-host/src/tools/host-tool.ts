import type { BetaToolResultBlockParam, BetaToolUnion } from "@anthropic-ai/sdk/resources/beta";
import type { TaskContext } from "../task-runner.ts";
import type { TaskWorkspace } from "./workspace.ts";

// The shape every tool beyond the screen has. A factory is made once per host
// (from its flags); `open` makes the task's own instance (a shell, a browser
// connection), closed when the task's run ends.

/** What a tool gets for one call. */
export type ToolCall = {
  ctx: TaskContext;
  /** The model call this tool use came from, for its events. */
  step: number;
  signal: AbortSignal;
  workspace: TaskWorkspace;
};

export type ToolAnswer = { content: string | NonNullable<BetaToolResultBlockParam["content"]>; isError?: boolean };

export interface HostTool {
  definitions(): BetaToolUnion[];
  run(name: string, input: Record<string, unknown>, call: ToolCall): Promise<ToolAnswer>;
  /** Lines for the model's first turn (where the attachments are, which tab is open…). */
  notes?(): string[];
  close?(): Promise<void> | void;
}

export interface HostToolFactory {
  /** The grant that enables it: `shell`, `files`, `browser`, `web`, `mcp:<server>`. */
  readonly grant: string;
  /** The tool names the model calls it by. */
  readonly names: readonly string[];
  open(ctx: TaskContext, workspace: TaskWorkspace): Promise<HostTool>;
  /** Ends what the factory holds for the host's lifetime (an MCP server's process). */
  close?(): Promise<void>;
}

/** Every tool name a host tool can have, so a call of one that is not enabled is refused by name, not "unknown". */
export const HOST_TOOL_NAMES: Readonly<Record<string, string>> = {
  bash: "shell",
  str_replace_based_edit_tool: "files",
  send_file: "files",
  browser: "browser",
  web_fetch: "web",
};

/** An error the model can act on: its message becomes the is_error tool result. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolInputError";
  }
}

export function stringField(input: Record<string, unknown>, field: string, what = "a string"): string {
  const v = input[field];
  if (typeof v !== "string") throw new ToolInputError(`\`${field}\` must be ${what}.`);
  return v;
}
