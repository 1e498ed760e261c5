import { describe, expect, it } from "vitest";
import {
  readImageInfo, text, toolsetCall, type ScriptStep,
} from "../../../test-support/scripted-anthropic/index.ts";
import { Keysym } from "@deskfleet/rfb/keysyms";
import { decodePng } from "@deskfleet/rfb/image/png";
import { scaleRgba } from "@deskfleet/rfb/image/scale";
import { RecordingContext } from "./testing/recording-context.ts";
import { scriptedRunner } from "./testing/scripted-runner.ts";

const scripted = scriptedRunner();
const setup = (script: ScriptStep[]) => scripted({ script });

describe("a scripted computer-use session on an in-memory 1920x1080 screen", () => {
  it("clicks, types, presses a combo, scrolls, zooms, drags and completes with the model's last text", async () => {
    const { server, screen, runner } = await setup([
      toolsetCall("left_click", { coordinate: [683, 384] }, { text: "Clicking the middle." }),
      toolsetCall("type", { text: "héllo ✓" }),
      toolsetCall("key", { text: "ctrl+a" }),
      toolsetCall("scroll", { coordinate: [100, 100], scroll_direction: "down", scroll_amount: 3 }),
      toolsetCall("zoom", { region: [0, 0, 341, 192] }),
      toolsetCall("left_click_drag", { start_coordinate: [10, 700], coordinate: [1300, 700] }),
      toolsetCall("screenshot"),
      text("Done: clicked, typed and scrolled."),
    ]);
    const ctx = new RecordingContext({ id: "tsk_session00001", prompt: "Exercise the desktop." });

    const outcome = await runner.run(ctx);

    server.assertNoRejections();
    server.assertScriptConsumed();
    expect(outcome).toEqual({ status: "completed", result: "Done: clicked, typed and scrolled." });

    // Model (1366x768) coordinates landed on the matching 1920x1080 pixels.
    const presses = screen.presses();
    expect(presses[0]).toEqual({ x: 960, y: 540, buttons: 1 });
    expect(screen.typedText()).toContain("héllo ✓");
    const keyDowns = screen.events.flatMap((e) => (e.type === "key" && e.down ? [e.keysym] : []));
    expect(keyDowns.slice(-2)).toEqual([Keysym.Control_L, "a".charCodeAt(0)]);
    const wheel = screen.presses(16);
    expect(wheel).toEqual([{ x: 141, y: 141, buttons: 16 }, { x: 141, y: 141, buttons: 16 }, { x: 141, y: 141, buttons: 16 }]);
    // The drag pressed at its start and released at its end.
    const pointer = screen.events.filter((e) => e.type === "pointer");
    const dragPress = pointer.findIndex((e, i) => i > 0 && e.x === 14 && e.buttons === 1);
    expect(dragPress).toBeGreaterThan(0);
    const release = pointer.slice(dragPress).find((e) => e.buttons === 0);
    expect(release).toMatchObject({ x: 1827, y: 985 });
    expect(screen.keysDown.size).toBe(0);
    expect(screen.buttons).toBe(0);

    // Events: one action and one result per tool call, usage per step, screenshots uploaded.
    expect(ctx.of("action").map((a) => a["name"])).toEqual(["left_click", "type", "key", "scroll", "zoom", "left_click_drag", "screenshot"]);
    expect(ctx.of("action_result").every((r) => r["ok"] === true)).toBe(true);
    expect(ctx.of("assistant_text").map((t) => t["text"])).toEqual(["Clicking the middle.", "Done: clicked, typed and scrolled."]);
    expect(ctx.of("usage")).toHaveLength(8);
    for (const u of ctx.of("usage")) expect(u["costUsd"]).toBeGreaterThan(0);
    expect(ctx.of("screenshot").map((s) => [s["width"], s["height"]])).toEqual([[1366, 768], [960, 540], [1366, 768]]);
    expect(ctx.uploads).toHaveLength(3);

    // The opening screenshot is the framebuffer scaled to the model's size.
    const first = decodePng(ctx.uploads[0]!);
    expect([first.width, first.height]).toEqual([1366, 768]);
    // The zoom reached the model as a 960x540 image (480x270 screen pixels, doubled).
    const zoomResult = server.requests[5]!.body["messages"] as { content: { type: string; content?: { type: string; source?: { data: string } }[] }[] }[];
    const lastUser = zoomResult[zoomResult.length - 1]!;
    const img = lastUser.content.flatMap((b) => b.content ?? []).find((b) => b.type === "image");
    expect(readImageInfo(Buffer.from(img!.source!.data, "base64"))).toMatchObject({ width: 960, height: 540 });
  });

  it("sends the model a screenshot equal to the framebuffer scaled down", async () => {
    const { server, screen, runner } = await setup([text("Nothing to do.")]);
    screen.paint(100, 100, 400, 300, [10, 200, 10]);
    const ctx = new RecordingContext({ id: "tsk_session00002", prompt: "Look." });
    await runner.run(ctx);
    server.assertNoRejections();
    const sent = decodePng(ctx.uploads[0]!);
    const expected = scaleRgba({ width: 1920, height: 1080, data: screen.framebuffer.data }, { width: 1366, height: 768 });
    let maxDiff = 0;
    for (let i = 0, j = 0; i < expected.data.length; i += 4, j += 3) {
      for (let c = 0; c < 3; c++) maxDiff = Math.max(maxDiff, Math.abs(expected.data[i + c]! - sent.data[j + c]!));
    }
    expect(sent.channels).toBe(3);
    expect(maxDiff).toBe(0);
  });

  it("opens the task's startUrl with ctrl+l, the URL and Return before the first model call", async () => {
    const { server, screen, runner } = await setup([text("Opened.")]);
    const ctx = new RecordingContext({ id: "tsk_session00003", prompt: "Read the page.", options: { startUrl: "https://example.com/a?b=1" } });
    await runner.run(ctx);
    server.assertNoRejections();
    expect(screen.typedText()).toBe("lhttps://example.com/a?b=1\n");
    const firstKeys = screen.events.filter((e) => e.type === "key").slice(0, 2).map((e) => e.type === "key" && e.keysym);
    expect(firstKeys).toEqual([Keysym.Control_L, "l".charCodeAt(0)]);
    expect(JSON.stringify(server.requests[0]!.body["messages"])).toContain("https://example.com/a?b=1");
  });

  it("never puts the API key in the prompt", async () => {
    const { server, runner } = await setup([text("ok")]);
    await runner.run(new RecordingContext({ id: "tsk_session00004", prompt: "Hi." }));
    const body = JSON.stringify(server.requests[0]!.body);
    expect(body).not.toContain("test-key");
    expect(String(server.requests[0]!.body["system"] ? JSON.stringify(server.requests[0]!.body["system"]) : "")).toContain("1366x768");
  });
});
