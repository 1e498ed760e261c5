import { describe, expect, it } from "vitest";
import { RecordingContext } from "../../agent/testing/recording-context.ts";
import { toolboxes } from "../testing/host-tools.ts";
import type { ShellTool } from "./bash-tool.ts";

// The task's shell with variables from the vault, on this machine's real bash.

const toolbox = toolboxes();
const TOKEN = "ghp_unit_0123456789abcdef";

async function shellFor(env: Record<string, string>, secrets: Record<string, string>) {
  const { toolbox: tb } = toolbox(["shell"]);
  const ctx = new RecordingContext({ id: "tsk_vaultenv0001", prompt: "x", options: { tools: ["shell"], env } });
  for (const [k, v] of Object.entries(secrets)) ctx.secrets.set(k, v);
  const tools = await tb.open(ctx);
  const shell = tools.tool<ShellTool>("shell")!;
  const run = (command: string) => shell.runCommand(command, { ctx, step: 1, signal: ctx.signal });
  return { ctx, tools, shell, run };
}

describe("vault secrets as shell variables", () => {
  it("asks the control plane for each variable's secret for the shell, and the model's note names the variables, not the values", async () => {
    const { ctx, tools } = await shellFor({ GITHUB_TOKEN: "secret:github" }, { github: TOKEN });
    try {
      expect(ctx.secretRequests).toEqual(["github"]);
      expect(ctx.secretUses).toEqual(["shell_env"]);
      const notes = tools.notes().join("\n");
      expect(notes).toContain("$GITHUB_TOKEN (vault secret `github`)");
      expect(notes).not.toContain(TOKEN);
    } finally {
      await tools.close();
    }
  });

  it("redacts the value from what a command prints, keeps it across a restart and an exit, and names the variables in each command event", async () => {
    const { ctx, tools, shell, run } = await shellFor({ GITHUB_TOKEN: "secret:github" }, { github: TOKEN });
    try {
      expect((await run('printf "%s|%s" "$GITHUB_TOKEN" "${#GITHUB_TOKEN}"')).output).toBe(`[secret:github]|${TOKEN.length}`);
      await shell.run("restart", { restart: true }, { ctx, step: 2, signal: ctx.signal, workspace: tools.workspace });
      expect((await run('echo "after restart: $GITHUB_TOKEN"')).output).toBe("after restart: [secret:github]\n");
      await run("exit 3");
      expect((await run("echo $GITHUB_TOKEN")).output).toBe("[secret:github]\n");
      // The host's own environment never reaches the shell, the vault's variables do.
      expect((await run('echo "${DESKFLEET_HOST_TOKEN:-unset}"')).output).toBe("unset\n");
      const events = ctx.of("command");
      expect(events.every((e) => JSON.stringify(e["env"]) === '["GITHUB_TOKEN"]')).toBe(true);
      expect(JSON.stringify(ctx.events)).not.toContain(TOKEN);
    } finally {
      await tools.close();
    }
  });

  it("starts the shell without a variable whose secret is not released, and says so in the events and the note", async () => {
    const { ctx, tools, run } = await shellFor({ GITHUB_TOKEN: "secret:github", AWS_KEY: "secret:aws" }, { github: TOKEN });
    try {
      expect(ctx.of("log").map((l) => l["message"])).toEqual([expect.stringMatching(/^The shell starts without \$AWS_KEY: no secret named `aws`/)]);
      expect(tools.notes().join("\n")).toContain("not set in your shell: $AWS_KEY");
      expect((await run('echo "${AWS_KEY:-unset}"')).output).toBe("unset\n");
    } finally {
      await tools.close();
    }
  });

  it("refuses a reserved name on the host too, without asking for its secret", async () => {
    const { ctx, tools, run } = await shellFor({ LD_PRELOAD: "secret:github" }, { github: "/tmp/evil.so" });
    try {
      expect(ctx.secretRequests).toEqual([]);
      expect(ctx.of("log")[0]?.["message"]).toMatch(/without \$LD_PRELOAD: `LD_PRELOAD` is reserved/);
      expect((await run('echo "${LD_PRELOAD:-unset}"')).output).toBe("unset\n");
    } finally {
      await tools.close();
    }
  });
});
