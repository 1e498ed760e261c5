import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { text, toolUse } from "../../../test-support/scripted-anthropic/index.ts";
import { RecordingContext } from "../agent/testing/recording-context.ts";
import { scriptedRunner } from "../agent/testing/scripted-runner.ts";
import { toolboxes } from "./testing/host-tools.ts";

const scripted = scriptedRunner();
const toolbox = toolboxes();
const toolNames = (body: Record<string, unknown>) => ((body["tools"] ?? []) as { name?: string; type?: string }[]).map((t) => t.name ?? t.type);

describe("tools beyond the screen, offered and refused", () => {
  it("offers the model only the tools both the host and the task allow", async () => {
    const { toolbox: tb } = toolbox(["shell", "files"]);
    const { server, runner } = await scripted({ script: [text("ok"), text("ok"), text("ok")] }, { tools: tb });
    await runner.run(new RecordingContext({ id: "tsk_offer000001", prompt: "Hi.", options: { tools: ["shell", "web"] } }));
    expect(toolNames(server.requests[0]!.body)).toEqual(["computer_toolset_20260801", "ask_human", "bash"]);

    await runner.run(new RecordingContext({ id: "tsk_offer000002", prompt: "Hi again.", options: { tools: [] } }));
    expect(toolNames(server.requests[1]!.body)).toEqual(["computer_toolset_20260801", "ask_human"]);

    // A task that names no tools takes what the host allows.
    await runner.run(new RecordingContext({ id: "tsk_offer000003", prompt: "Hi, all.", options: {} }));
    expect(toolNames(server.requests[2]!.body)).toEqual(["computer_toolset_20260801", "ask_human", "bash", "str_replace_based_edit_tool", "send_file"]);
  });

  it("never offers a tool the host does not allow, and refuses a forged call of it without running it", async () => {
    const { toolbox: tb, base } = toolbox(["files"]);
    const { server, runner } = await scripted({ script: [
      toolUse("bash", { command: "touch pwned" }, { forged: true }),
      (ctx) => text(ctx.lastToolResult()?.isError ? `refused: ${ctx.lastToolResult()?.text}` : "it ran"),
    ] }, { tools: tb });
    const ctx = new RecordingContext({ id: "tsk_forged00001", prompt: "Try the shell.", options: { tools: ["shell", "files"] } });
    const outcome = await runner.run(ctx);
    server.assertNoRejections();
    expect(toolNames(server.requests[0]!.body)).not.toContain("bash");
    expect(outcome.status === "completed" && outcome.result).toMatch(/^refused: The bash tool is not enabled for this task, so it was not run \(it needs `shell`: this host allows files; this task allows shell, files\)/);
    expect(existsSync(join(base, "tsk_forged00001", "pwned"))).toBe(false);
    expect(ctx.of("command")).toEqual([]);
    expect(ctx.of("log").some((l) => String(l["message"]).includes("Refused a call of bash"))).toBe(true);
  });

  it("downloads the attachments, transforms one with the shell, edits the result and sends it back", async () => {
    const { toolbox: tb, base } = toolbox(["shell", "files"]);
    const { server, runner } = await scripted({ script: [
      (ctx) => toolUse("bash", { command: "sort -n numbers.txt > sorted.txt && wc -l < sorted.txt" }, { text: ctx.lastUserText().includes("numbers.txt (9 bytes)") ? "The file is here." : "No file?" }),
      toolUse("str_replace_based_edit_tool", { command: "insert", path: "sorted.txt", insert_line: 0, insert_text: "# sorted" }),
      toolUse("str_replace_based_edit_tool", { command: "view", path: "sorted.txt" }),
      toolUse("send_file", { path: "sorted.txt" }),
      text("Sent the sorted numbers."),
    ] }, { tools: tb });
    const ctx = new RecordingContext({ id: "tsk_files000001", prompt: "Sort the numbers.", options: { tools: ["shell", "files"] } });
    ctx.attach("numbers.txt", "3\n10\n1\n2\n");
    const outcome = await runner.run(ctx);
    server.assertNoRejections();
    expect(outcome).toEqual({ status: "completed", result: "Sent the sorted numbers." });
    expect(ctx.of("assistant_text")[0]?.["text"]).toBe("The file is here.");

    const bash = server.requests[1]!.body;
    expect(JSON.stringify(bash["messages"])).toContain('"content":"4"');
    expect(readFileSync(join(base, "tsk_files000001", "sorted.txt"), "utf8")).toBe("# sorted\n1\n2\n3\n10\n");
    const artifact = ctx.stored.find((s) => s.file.kind === "artifact");
    expect(artifact?.file).toMatchObject({ name: "sorted.txt", contentType: "text/plain", bytes: 18 });
    expect(new TextDecoder().decode(artifact?.bytes)).toBe("# sorted\n1\n2\n3\n10\n");

    expect(ctx.of("file_transfer").map((e) => [e["direction"], e["name"], e["bytes"]])).toEqual([["in", "numbers.txt", 9], ["out", "sorted.txt", 18]]);
    expect(ctx.of("command")).toEqual([expect.objectContaining({ command: "sort -n numbers.txt > sorted.txt && wc -l < sorted.txt", exitCode: 0, output: "4\n", outputBytes: 2, ending: "exited" })]);
    expect(ctx.of("file_write")).toEqual([expect.objectContaining({ op: "insert", bytes: 18 })]);
    // Actions of host tools carry no input of their own: their events do.
    expect(ctx.of("action").filter((a) => a["name"] === "bash")).toEqual([{ name: "bash", input: {}, step: 1 }]);
  });

  it("runs a task's command without a model and reports its output, failing on a non-zero exit", async () => {
    const { toolbox: tb } = toolbox(["shell"]);
    const { server, runner } = await scripted({ script: [] }, { tools: tb });
    const ok = new RecordingContext({ id: "tsk_command0001", prompt: "(command)", options: { command: "echo hello; echo there" } });
    expect(await runner.run(ok)).toEqual({ status: "completed", result: "hello\nthere" });
    const bad = new RecordingContext({ id: "tsk_command0002", prompt: "(command)", options: { command: "echo nope; exit 4" } });
    expect(await runner.run(bad)).toMatchObject({ status: "failed", error: { code: "command_failed", message: "echo nope; exit 4 → exit code 4\nnope\n" } });
    expect(server.requests).toHaveLength(0);
    expect(ok.of("command")[0]).toMatchObject({ exitCode: 0, ending: "exited" });
  });

  it("refuses a command task on a host that does not allow the shell", async () => {
    const { toolbox: tb } = toolbox(["files"]);
    const { runner } = await scripted({ script: [] }, { tools: tb });
    const ctx = new RecordingContext({ id: "tsk_command0003", prompt: "(command)", options: { command: "id" } });
    expect(await runner.run(ctx)).toMatchObject({ status: "failed", error: { code: "shell_not_allowed" } });
  });

  it("keeps the shell's environment free of the host's secrets", async () => {
    process.env["DESKFLEET_HOST_TOKEN"] = "dfh_secretsecretsecret";
    try {
      const { toolbox: tb } = toolbox(["shell"]);
      const { runner } = await scripted({ script: [] }, { tools: tb });
      const ctx = new RecordingContext({ id: "tsk_command0004", prompt: "(command)", options: { command: "env" } });
      const outcome = await runner.run(ctx);
      expect(outcome.status === "completed" && outcome.result).toContain("DESKFLEET_TASK_DIR=");
      expect(JSON.stringify(ctx.events)).not.toContain("dfh_secret");
    } finally {
      delete process.env["DESKFLEET_HOST_TOKEN"];
    }
  });
});
