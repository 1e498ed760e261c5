import { z } from "zod";
import { DesktopId } from "@deskfleet/protocol";
import { getDesktop, toDesktop } from "../../../db/desktops.ts";
import { createTask } from "../../tasks/create-task.ts";
import { DEFAULT_WAIT_MINUTES } from "./tasks.ts";
import { tool } from "./tool.ts";

// run_command: a shell command on a desktop, as a task its host runs without
// a model (TaskOptions.command), so it is queued, audited and visible like any
// task. Only for desktops whose host allows the shell.

// A command starts a task on a desktop: the approvals policy treats it as one
// (a proposal when the supervisor was not asked for it in this turn).
export function runCommandTool() {
  return tool({
    name: "run_command",
    description:
      "Run a shell command on a desktop whose host allows the shell (see list_desktops: capabilities.tools has \"shell\"), without a computer-use agent, " +
      "and get its output (capped). It runs in that task's own folder, as the host's user. Prefer it to a computer-use task for reading files, checking disk or processes, or running scripts.",
    input: z.strictObject({
      desktop: DesktopId.describe("The desktop to run it on"),
      command: z.string().trim().min(1).max(10_000).describe("The bash command"),
      waitMinutes: z.number().int().min(1).max(120).optional().describe(`Stop waiting after this many minutes without progress (default ${DEFAULT_WAIT_MINUTES})`),
    }),
    effect: { class: "tasks" },
    run: async (ctx, b) => {
      const row = await getDesktop(ctx.env.DB, b.desktop);
      if (!row) return { content: `desktop ${b.desktop} does not exist; list_desktops shows the fleet`, isError: true };
      const tools = toDesktop(row).capabilities?.tools ?? [];
      if (!tools.includes("shell")) {
        return { content: `desktop ${b.desktop}'s host does not allow the shell (it allows: ${tools.join(", ") || "the screen only"}); its owner can start deskfleet-host with --allow shell. Use a computer-use task (create_task) instead.`, isError: true };
      }
      const task = await createTask(ctx.env, {
        prompt: `Run a shell command: ${b.command.split("\n")[0]!.slice(0, 200)}`,
        desktopId: b.desktop,
        labels: [],
        priority: 0,
        options: { command: b.command },
        source: "supervisor",
        sourceMeta: { conversationId: ctx.conversationId, runCommand: true },
      });
      return { wait: { kind: "task", taskId: task.id, timeoutMs: (b.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000 } };
    },
  });
}
