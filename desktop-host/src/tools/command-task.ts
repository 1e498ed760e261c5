import { MAX_RESULT_CHARS, truncate } from "@deskfleet/protocol";
import type { TaskContext, TaskOutcome } from "../task-runner.ts";
import type { ShellTool } from "./shell/bash-tool.ts";
import { capText } from "./shell/output-cap.ts";
import type { TaskTools } from "./toolbox.ts";

// A task whose `command` runs in the desktop's shell with no model at all
// (the supervisor's run_command): one `command` event, and its output as the
// result. It needs the host to allow the shell.

export async function runCommandTask(ctx: TaskContext, tools: TaskTools | null, command: string): Promise<TaskOutcome> {
  const shell = tools?.tool<ShellTool>("shell") ?? null;
  if (!shell) {
    return { status: "failed", error: { code: "shell_not_allowed", message: "this desktop's host does not allow the shell; start deskfleet-host with --allow shell to run commands on it" } };
  }
  const result = await shell.runCommand(command, { ctx, step: 0, signal: ctx.signal });
  if (result.ending === "cancelled") return { status: "failed", error: { code: "cancelled", message: "the command was cancelled and killed" } };
  if (result.ending === "exited" && result.exitCode === 0) return { status: "completed", result: capText(result.output.trim() || "(no output)", MAX_RESULT_CHARS) };
  return { status: "failed", error: { code: result.ending === "timed_out" ? "command_timed_out" : "command_failed", message: truncate(`${command.split("\n")[0]} → ${result.exitCode === null ? result.ending.replace("_", " ") : `exit code ${result.exitCode}`}\n${result.output}`, 10_000) } };
}
