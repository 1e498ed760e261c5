import type { BetaToolResultBlockParam, BetaToolUnion, BetaToolUseBlock } from "@anthropic-ai/sdk/resources/beta";
import { allowedBoth, MAX_MESSAGE_CHARS, truncate } from "@deskfleet/protocol";
import type { TaskContext } from "../task-runner.ts";
import { HOST_TOOL_NAMES, ToolInputError, type HostTool, type HostToolFactory } from "./host-tool.ts";
import { MCP_PREFIX } from "./mcp/mcp-server-tool.ts";
import { openProfileServers } from "./mcp/profile-servers.ts";
import { OutsideRootsError, TaskWorkspace, type WorkspaceOptions } from "./workspace.ts";

// Which tools beyond the screen a task gets, and the one place their calls
// go through. A tool is offered only when the host allows it (`--allow`) and
// the task does too (`tools`, which narrows the host's list; omitted, the
// task takes what the host allows); a call of any other host tool is refused
// by name (a forged or stale tool_use), never run.

export type ToolboxOptions = {
  /** What the host's owner allowed: `shell`, `files`, `browser`, `web`, `mcp`, `mcp:<server>`. */
  allow: readonly string[];
  /** The tools this host has (a browser only with `--cdp`, MCP servers only when configured). */
  factories: readonly HostToolFactory[];
  workspace?: WorkspaceOptions;
};

export class HostToolbox {
  readonly #o: ToolboxOptions;

  constructor(options: ToolboxOptions) {
    this.#o = options;
  }

  /** The tools this host has and allows, as told to the control plane (`capabilities.tools`) and `doctor`. */
  get enabled(): string[] {
    return allowedBoth(this.#o.allow, this.#o.allow, this.#o.factories.map((f) => f.grant));
  }

  get allow(): readonly string[] {
    return this.#o.allow;
  }

  /** The task's tools: those both the host and the task allow, opened for this run (its folder made, attachments fetched). */
  async open(ctx: TaskContext): Promise<TaskTools> {
    // A task's `tools` narrows what the host allows (omitted: all of it; [] the screen only); its `command` asks for the shell.
    const wanted = [...(ctx.task.options.tools ?? this.#o.allow), ...(ctx.task.options.command ? ["shell"] : [])];
    const grants = allowedBoth(this.#o.allow, wanted, this.#o.factories.map((f) => f.grant));
    const workspace = await TaskWorkspace.open(ctx.task.id, this.#o.workspace);
    const opened: { factory: HostToolFactory; tool: HostTool }[] = [];
    const problems: string[] = [];
    for (const factory of this.#o.factories) {
      if (!grants.includes(factory.grant)) continue;
      try {
        opened.push({ factory, tool: await factory.open(ctx, workspace) });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        problems.push(`${factory.grant}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    for (const p of problems) ctx.emit("log", { level: "warn", message: truncate(`A tool could not be opened and is not offered: ${p}`, MAX_MESSAGE_CHARS) });
    // The agent profile's own MCP servers, for this run only, under the host's trust rule (mcp/profile-servers.ts).
    const taken = this.#o.factories.map((f) => f.grant).filter((g) => g.startsWith("mcp:"));
    opened.push(...(await openProfileServers(ctx, { hostAllow: this.#o.allow, taskAllow: wanted, taken })));
    return new TaskTools(ctx, workspace, opened, { host: this.#o.allow, task: wanted });
  }

  async close(): Promise<void> {
    for (const f of this.#o.factories) await f.close?.();
  }
}

export class TaskTools {
  readonly workspace: TaskWorkspace;
  readonly #ctx: TaskContext;
  readonly #tools: { factory: HostToolFactory; tool: HostTool; names: Set<string> }[];
  readonly #lists: { host: readonly string[]; task: readonly string[] };

  constructor(ctx: TaskContext, workspace: TaskWorkspace, opened: { factory: HostToolFactory; tool: HostTool }[], lists: { host: readonly string[]; task: readonly string[] }) {
    this.#ctx = ctx;
    this.workspace = workspace;
    this.#lists = lists;
    this.#tools = opened.map(({ factory, tool }) => ({ factory, tool, names: new Set(tool.definitions().map((d) => ("name" in d ? d.name : "")).filter(Boolean)) }));
  }

  /** The grants in force for this run. */
  get grants(): string[] {
    return this.#tools.map((t) => t.factory.grant);
  }

  definitions(): BetaToolUnion[] {
    return this.#tools.flatMap((t) => t.tool.definitions());
  }

  notes(): string[] {
    return this.#tools.flatMap((t) => t.tool.notes?.() ?? []);
  }

  /** Whether a tool name is a host tool's (offered or not): such calls come here, to be run or refused. */
  owns(name: string): boolean {
    return name in HOST_TOOL_NAMES || name.startsWith(MCP_PREFIX) || this.#tools.some((t) => t.names.has(name));
  }

  isOffered(name: string): boolean {
    return this.#tools.some((t) => t.names.has(name));
  }

  tool<T extends HostTool>(grant: string): T | null {
    return (this.#tools.find((t) => t.factory.grant === grant)?.tool as T | undefined) ?? null;
  }

  async run(toolUse: BetaToolUseBlock, step: number, signal: AbortSignal): Promise<BetaToolResultBlockParam> {
    const answer = (content: BetaToolResultBlockParam["content"], isError = false): BetaToolResultBlockParam => ({ type: "tool_result", tool_use_id: toolUse.id, content, ...(isError ? { is_error: true } : {}) });
    const found = this.#tools.find((t) => t.names.has(toolUse.name));
    if (!found) {
      const grant = HOST_TOOL_NAMES[toolUse.name] ?? (toolUse.name.startsWith(MCP_PREFIX) ? `mcp:${toolUse.name.slice(MCP_PREFIX.length).split("__")[0]}` : toolUse.name);
      const message = `The ${toolUse.name} tool is not enabled for this task, so it was not run (it needs \`${grant}\`: this host allows ${this.#lists.host.join(", ") || "no tools"}; this task allows ${this.#lists.task.join(", ") || "none"}).`;
      this.#ctx.emit("log", { level: "warn", message: truncate(`Refused a call of ${toolUse.name}: not offered to this task.`, MAX_MESSAGE_CHARS) });
      return answer(message, true);
    }
    const input = (toolUse.input ?? {}) as Record<string, unknown>;
    try {
      const { content, isError } = await found.tool.run(toolUse.name, input, { ctx: this.#ctx, step, signal, workspace: this.workspace });
      return answer(content, isError === true);
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof ToolInputError || err instanceof OutsideRootsError) return answer(err.message, true);
      // A tool that breaks fails its call, not the task: the model reads why and can try another way.
      return answer(`${toolUse.name} failed: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  }

  async close(): Promise<void> {
    for (const t of this.#tools) await Promise.resolve(t.tool.close?.()).catch(() => undefined);
  }
}
