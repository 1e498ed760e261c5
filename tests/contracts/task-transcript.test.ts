import { describe, expect, it } from "vitest";
import type { TaskEvent } from "@deskfleet/protocol";
import { HostEvent, parseEventData, storedTaskEvent } from "@deskfleet/protocol";
import { buildTranscript } from "@deskfleet/web/transcript";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RecordingContext, scriptedRunner, toolboxes } from "deskfleet-host/testing";
import { text, toolsetCall, toolUse } from "../../test-support/scripted-anthropic/index.ts";

// The contract between the producer of task events (the host's computer-use
// loop) and their readers: the real loop runs against the scripted Messages
// API on an in-memory desktop, the events it really emits go through the
// checks TaskDO applies (the wire envelope, then each kind's schema) and what
// would be stored is rendered by the dashboard's transcript. No fixture
// invents a shape here.

const setup = scriptedRunner();
const toolbox = toolboxes();
const TASK = "tsk_contract0001";

/** The events a runner reported, numbered as the runtime numbers them, checked and stored as TaskDO does. */
function storeAsTaskDO(ctx: RecordingContext): { stored: TaskEvent[]; refused: string[] } {
  const sent = [{ kind: "started", data: { resume: false } }, ...ctx.events];
  const stored: TaskEvent[] = [];
  const refused: string[] = [];
  sent.forEach((e, i) => {
    const envelope = HostEvent.parse({ seq: i + 1, kind: e.kind, at: 1_000 + i, data: e.data });
    const checked = parseEventData(envelope.kind, envelope.data);
    if (!checked.ok) refused.push(checked.reason);
    else stored.push(storedTaskEvent({ taskId: TASK, seq: i + 1, kind: envelope.kind, source: "host", hostSeq: envelope.seq, data: checked.data, at: envelope.at }));
  });
  return { stored, refused };
}

describe("the task transcript contract", () => {
  it("shows every action the real loop took with its coordinates, text, keys and scroll direction", async () => {
    const { server, runner } = await setup({ script: [
      toolsetCall("left_click", { coordinate: [120, 80] }, { text: "I will click the name field." }),
      toolsetCall("type", { text: "Ada Lovelace" }),
      toolsetCall("key", { text: "ctrl+shift+k" }),
      toolsetCall("scroll", { coordinate: [400, 300], scroll_direction: "down", scroll_amount: 3 }),
      toolsetCall("left_click_drag", { start_coordinate: [10, 20], coordinate: [200, 220] }),
      toolsetCall("double_click", { coordinate: [50, 60], text: "shift" }),
      toolsetCall("zoom", { region: [0, 0, 200, 100] }),
      toolUse("ask_human", { question: "Which account?" }),
      text("The form is filled in."),
    ] });
    const ctx = new RecordingContext({ id: TASK, prompt: "Fill in the form." });
    const outcome = await runner.run(ctx);
    server.assertNoRejections();
    expect(outcome).toEqual({ status: "completed", result: "The form is filled in." });

    const { stored, refused } = storeAsTaskDO(ctx);
    expect(refused).toEqual([]);
    const actions = buildTranscript(stored).flatMap((item) => (item.kind === "action" ? [item.text] : []));
    expect(actions).toEqual([
      "left_click at (120, 80)",
      'type "Ada Lovelace"',
      "key ctrl+shift+k",
      "scroll at (400, 300) down ×3",
      "left_click_drag from (10, 20) to (200, 220)",
      "double_click at (50, 60) holding shift",
      "zoom region (0, 0, 200, 100)",
      'ask_human "Which account?"',
    ]);
    const words = buildTranscript(stored).flatMap((item) => (item.kind === "words" ? [item.text] : []));
    expect(words).toEqual(["I will click the name field.", "The form is filled in."]);
    expect(buildTranscript(stored).filter((item) => item.kind === "action" && item.result !== null)).toHaveLength(8);
  });

  it("keeps the valid fields of an action the model got wrong, and says which it left out", async () => {
    const { runner } = await setup({ script: [toolsetCall("left_click", { coordinate: ["a", 2], note: "x" }), text("done")] });
    const ctx = new RecordingContext({ id: TASK, prompt: "Click." });
    await runner.run(ctx);
    const { stored, refused } = storeAsTaskDO(ctx);
    expect(refused).toEqual([]);
    const action = stored.find((e) => e.kind === "action");
    expect(action?.kind === "action" && action.data).toMatchObject({ name: "left_click", input: {}, dropped: ["coordinate", "note"] });
    const item = buildTranscript(stored).find((i) => i.kind === "action");
    expect(item?.kind === "action" && item.result?.ok).toBe(false);
  });

  it("shows each use of the tools beyond the screen as the real loop records it: commands with output, writes, transfers, fetches", async () => {
    const page = createServer((_req, res) => res.end("<title>Prices</title><p>Tea costs 3.</p>"));
    await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/prices`;
    try {
      const { toolbox: tb } = toolbox(["shell", "files", "web"]);
      const { server, runner } = await setup({ script: [
        toolUse("bash", { command: "tr a-z A-Z < in.txt > out.txt; cat out.txt" }),
        toolUse("bash", { command: "exit 3" }),
        toolUse("str_replace_based_edit_tool", { command: "create", path: "notes.md", file_text: "# Notes\n" }),
        toolUse("web_fetch", { url }),
        toolUse("send_file", { path: "out.txt" }),
        text("Done."),
      ] }, { tools: tb });
      const ctx = new RecordingContext({ id: TASK, prompt: "Shout the file.", options: { tools: ["shell", "files", "web"] } });
      ctx.attach("in.txt", "hello\n");
      expect(await runner.run(ctx)).toEqual({ status: "completed", result: "Done." });
      server.assertNoRejections();

      const { stored, refused } = storeAsTaskDO(ctx);
      expect(refused).toEqual([]);
      const tools = buildTranscript(stored).flatMap((item) => (item.kind === "tool" ? [{ tool: item.tool, text: item.text.replace(/\d+ ms/g, "N ms").replace(/\/tmp\/\S+?\/(tsk_)/g, "…/$1"), ok: item.ok, output: item.output, file: item.fileId !== null }] : []));
      expect(tools).toEqual([
        { tool: "files", text: "downloaded the attachment in.txt (6 B)", ok: true, output: null, file: true },
        { tool: "shell", text: "$ tr a-z A-Z < in.txt > out.txt; cat out.txt → exit 0 (N ms, 6 B)", ok: true, output: "HELLO\n", file: false },
        { tool: "shell", text: "$ exit 3 → exit 3 (N ms, 0 B)", ok: false, output: null, file: false },
        { tool: "files", text: `wrote …/${TASK}/notes.md (8 B)`, ok: true, output: null, file: false },
        { tool: "web", text: `fetched ${url} → 200 (40 B, N ms)`, ok: true, output: null, file: false },
        { tool: "files", text: "sent out.txt (6 B)", ok: true, output: null, file: true },
      ]);
      // The actions that ran tools are told by the tools' own lines, not twice.
      expect(buildTranscript(stored).filter((item) => item.kind === "action")).toEqual([]);
    } finally {
      page.close();
    }
  });

  it("shows which secret the real loop typed and how long it was, never the value", async () => {
    const { server, runner } = await setup({ script: [
      toolsetCall("left_click", { coordinate: [120, 80] }),
      toolUse("type_secret", { name: "github", field: "password" }),
      toolUse("ask_human", { question: "The code sent to your phone?", secret: true }),
      text("Logged in."),
    ] });
    const ctx = new RecordingContext({ id: TASK, prompt: "Log in.", secrets: [{ name: "github", kind: "password", description: "GitHub login" }] });
    ctx.secrets.set("github", "correct-horse-battery");
    ctx.answer = async () => ({ status: "answered_secretly", answer: null, name: "answer:1a2b3c4d", characters: 6 });
    await runner.run(ctx);
    server.assertNoRejections();
    const { stored, refused } = storeAsTaskDO(ctx);
    expect(refused).toEqual([]);
    const items = buildTranscript(stored);
    expect(items.flatMap((i) => (i.kind === "action" ? [i.text] : []))).toEqual([
      "left_click at (120, 80)",
      "type_secret `github` into password",
      'ask_human "The code sent to your phone?" (secret answer)',
    ]);
    expect(items.flatMap((i) => (i.kind === "secret" ? [i.text] : []))).toEqual(["typed secret `github` (21 characters) into password"]);
    expect(JSON.stringify(stored)).not.toContain("correct-horse-battery");
  });
});
