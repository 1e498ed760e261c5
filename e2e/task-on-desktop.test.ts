import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { text, toolsetCall } from "../test-support/scripted-anthropic/index.ts";
import { decodePng } from "@deskfleet/rfb/image/png";
import { e2ePrerequisitesMissing, startWorld, waitUntil, type World } from "./support/world.ts";

const missing = e2ePrerequisitesMissing();
let world: World;

// The model's part, played by the scripted Messages API; everything else is real.
const NAME_FIELD = [290, 122];
const SUBMIT = [140, 210];

beforeAll(async () => {
  if (missing) return;
  world = await startWorld({
    conversations: [
      {
        name: "register",
        match: "Register Ada Lovelace",
        steps: [
          toolsetCall("left_click", { coordinate: NAME_FIELD }, { text: "I'll fill in the name field first." }),
          toolsetCall("type", { text: "Ada Lovelace" }),
          toolsetCall("left_click", { coordinate: SUBMIT }),
          toolsetCall("screenshot"),
          (ctx) => ((ctx.lastToolResult()?.images ?? 0) > 0 ? text("Submitted the registration for Ada Lovelace.") : text("I did not get a screenshot back.")),
        ],
      },
    ],
  });
}, 180_000);

afterAll(async () => {
  await world?.dispose();
});

describe.skipIf(missing !== null)("a task on a real desktop, end to end", () => {
  it("completes with real effects on the desktop, and its events, screenshots and cost are stored", async () => {
    const { cp, app } = world;
    const created = await cp.api("POST", "/api/tasks", { prompt: "Register Ada Lovelace in the form and submit it.", desktopId: world.desktopId });
    expect(created.status).toBe(201);
    const id = created.json.id as string;

    await waitUntil(async () => ["completed", "failed"].includes((await cp.api("GET", `/api/tasks/${id}`)).json.status), 90_000, () => `task did not finish; host logs:\n${world.host.logs().slice(-4000)}`);
    const task = (await cp.api("GET", `/api/tasks/${id}`)).json;
    expect(task.error, JSON.stringify(task.error)).toBeNull();
    expect(task.status).toBe("completed");
    expect(task.result).toBe("Submitted the registration for Ada Lovelace.");

    // What the page itself saw: a click in the field, the typed name, and the submit.
    const submitted = await app.waitFor((e) => e.type === "submitted");
    expect(submitted.value).toBe("Ada Lovelace");
    const fieldClick = app.events.find((e) => e.type === "mousedown" && e.target === "name");
    expect(fieldClick).toBeDefined();
    expect(Math.abs(fieldClick!.x! - NAME_FIELD[0]!)).toBeLessThanOrEqual(2);
    expect(Math.abs(fieldClick!.y! - NAME_FIELD[1]!)).toBeLessThanOrEqual(2);

    // The history in D1: in order, each host event once, with actions, screenshots and usage.
    const events = (await cp.api("GET", `/api/tasks/${id}/events?limit=1000`)).json.items as { seq: number; kind: string; hostSeq: number | null; data: Record<string, unknown> }[];
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const hostSeqs = events.filter((e) => e.hostSeq !== null).map((e) => e.hostSeq);
    expect(new Set(hostSeqs).size).toBe(hostSeqs.length);
    expect(events.filter((e) => e.kind === "action").map((e) => e.data["name"])).toEqual(["left_click", "type", "left_click", "screenshot"]);
    expect(events.some((e) => e.kind === "assistant_text" && String(e.data["text"]).includes("name field"))).toBe(true);

    // Screenshots are in R2 and are real pictures of this desktop.
    const shots = events.filter((e) => e.kind === "screenshot");
    expect(shots.length).toBeGreaterThan(0);
    const key = String(shots.at(-1)!.data["key"]);
    const png = await fetch(`${cp.url}/api/tasks/${id}/screenshots/${key.split("/").pop()}`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(png.status).toBe(200);
    const img = decodePng(new Uint8Array(await png.arrayBuffer()));
    expect([img.width, img.height]).toEqual([1280, 800]);
    // The blue swatch in the bottom-right corner of the test app.
    const i = ((img.height - 50) * img.width + (img.width - 50)) * img.channels;
    expect([img.data[i], img.data[i + 1], img.data[i + 2]]).toEqual([0x33, 0x66, 0xcc]);

    // Cost and tokens, from the model's reported usage.
    expect(task.usage.inputTokens + task.usage.cacheReadTokens + task.usage.cacheWriteTokens).toBeGreaterThan(1000);
    expect(task.usage.outputTokens).toBeGreaterThan(0);
    expect(task.usage.costUsd).toBeGreaterThan(0);
    expect(task.steps).toBe(4);

    world.anthropic.assertNoRejections();
    expect(world.host.logs()).not.toContain(world.hostToken);
  });
});
