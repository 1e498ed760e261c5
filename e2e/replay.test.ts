import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedValues, FORM_PROMPT, FORM_RESULT, formScript, RENAMED_STEP, startFormPage, type FormPage } from "../bench/lib/form-page.ts";
import { e2ePrerequisitesMissing, startWorld, waitUntil, type World } from "./support/world.ts";
import type { AppEvent, TestApp } from "./support/test-app.ts";

// Issue #20's proof on a real desktop, through the real Worker and host: a
// scheduled task is recorded, replayed with no model call, repaired after the
// page changed (model calls only from the changed step on), then replayed
// again with no model call. The model's part is the scripted Messages API,
// whose recorded requests are the model calls.

const missing = e2ePrerequisitesMissing();
let world: World;
let page: FormPage;
const CHANGED = { moved: true, renamed: true };

beforeAll(async () => {
  if (missing) return;
  world = await startWorld({
    conversations: [{ name: "form", match: "File this week's form", steps: [...formScript(1), ...formScript(RENAMED_STEP, CHANGED)] }],
    // The form instead of the registration app: the world waits for its ready report as for the app's.
    app: async () => {
      page = await startFormPage();
      const app: TestApp = { url: page.url, events: [], waitFor: async (pred, timeoutMs) => (await page.waitFor((e) => pred(e as AppEvent), timeoutMs)) as AppEvent, close: () => page.close() };
      return app;
    },
  });
}, 180_000);

afterAll(async () => {
  await world?.dispose();
});

type Event = { kind: string; data: Record<string, unknown> };

describe.skipIf(missing !== null)("a scheduled task replayed without the model, end to end", () => {
  it("records, replays with 0 model calls, repairs from the changed step, and replays the repaired version with 0 calls", async () => {
    const { cp } = world;
    const schedule = (await cp.api("POST", "/api/schedules", { name: "Weekly form", prompt: FORM_PROMPT, desktopId: world.desktopId, intervalMinutes: 7 * 24 * 60 })).json;
    expect(schedule.replay).toBe("auto");

    /** One run of the schedule on a fresh form: its task, its events, the model calls it made and what the page received. */
    const runOnce = async (variant = { moved: false, renamed: false }) => {
      await page.reset(variant);
      const gen = page.events.filter((e) => e.type === "ready").at(-1)!.gen;
      const before = world.anthropic.requests.length;
      const task = (await cp.api("POST", `/api/schedules/${schedule.id}/trigger`)).json;
      await waitUntil(async () => ["completed", "failed"].includes((await cp.api("GET", `/api/tasks/${task.id}`)).json.status), 120_000, () => `run did not finish; host logs:\n${world.host.logs().slice(-4000)}`);
      const done = (await cp.api("GET", `/api/tasks/${task.id}`)).json;
      const events = (await cp.api("GET", `/api/tasks/${task.id}/events?limit=1000`)).json.items as Event[];
      const submitted = page.events.find((e) => e.type === "submitted" && e.gen === gen);
      return { task: done, events, calls: world.anthropic.requests.slice(before), submitted };
    };
    const actions = (events: Event[]) => events.filter((e) => e.kind === "action" && e.data["reason"] !== "startUrl");
    const summary = (events: Event[]) => events.find((e) => e.kind === "replay")?.data;

    // 1. The model's run, recorded.
    const first = await runOnce();
    expect(first.task.error, JSON.stringify(first.task.error)).toBeNull();
    expect(first.task.result).toBe(FORM_RESULT);
    expect(first.calls).toHaveLength(21);
    expect(first.submitted?.values).toEqual(expectedValues());
    let tab = (await cp.api("GET", `/api/schedules/${schedule.id}/trajectory`)).json;
    expect(tab.current).toMatchObject({ version: 1, origin: "model", stepCount: 20, modelCalls: 21 });

    // 2. Replayed: no model call, every action marked replayed, the same form submitted.
    const second = await runOnce();
    expect(second.task.status).toBe("completed");
    expect(second.task.result).toBe(FORM_RESULT);
    expect(second.calls).toHaveLength(0);
    expect(second.submitted?.values).toEqual(expectedValues());
    expect(actions(second.events).map((e) => e.data["replay"])).toEqual(Array(20).fill("replayed"));
    expect(summary(second.events)).toMatchObject({ outcome: "replayed", stepsReplayed: 20, modelCalls: 0, costUsd: 0 });
    expect(second.task.usage.costUsd).toBe(0);

    // 3. The page changed: Next moved 80 px (found, no model), a label renamed (the model from that step on).
    const third = await runOnce(CHANGED);
    expect(third.task.error, JSON.stringify(third.task.error)).toBeNull();
    expect(third.calls).toHaveLength(20 - RENAMED_STEP + 2);
    expect(JSON.stringify(third.calls[0]!.body["messages"])).toContain(`no longer matches the recording at step ${RENAMED_STEP}`);
    expect(third.submitted?.values).toEqual(expectedValues());
    const marks = actions(third.events).map((e) => e.data["replay"]);
    expect(marks.slice(0, RENAMED_STEP - 1).filter((m) => m === "moved")).toHaveLength(1);
    expect(marks.slice(RENAMED_STEP - 1)).toEqual(Array(20 - RENAMED_STEP + 1).fill("repaired"));
    expect(actions(third.events).find((e) => e.data["replay"] === "moved")!.data["moved"]).toEqual({ dx: 80, dy: 0 });
    expect(summary(third.events)).toMatchObject({ outcome: "repaired", stepsReplayed: RENAMED_STEP - 1, stepsMoved: 1, modelSteps: 20 - RENAMED_STEP + 1, mismatchStep: RENAMED_STEP });
    tab = (await cp.api("GET", `/api/schedules/${schedule.id}/trajectory`)).json;
    expect(tab.current).toMatchObject({ version: 2, origin: "repair", stepCount: 20 });
    expect(tab.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    // 4. The repaired version replays with no model call.
    const fourth = await runOnce(CHANGED);
    expect(fourth.task.status).toBe("completed");
    expect(fourth.calls).toHaveLength(0);
    expect(fourth.submitted?.values).toEqual(expectedValues());
    expect(summary(fourth.events)).toMatchObject({ outcome: "replayed", version: 2, stepsReplayed: 20, modelCalls: 0 });

    tab = (await cp.api("GET", `/api/schedules/${schedule.id}/trajectory`)).json;
    expect(tab.runs.map((r: { replay: { outcome: string } | null }) => r.replay?.outcome ?? "model")).toEqual(["replayed", "repaired", "replayed", "model"]);
    world.anthropic.assertNoRejections();
  }, 600_000);
});
