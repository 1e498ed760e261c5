import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, ADMIN, createDesktop, hostToken, type Json } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

// Real PNGs, grayscale as the host writes fingerprints (r = g = b): a 1×1 light and a 1×1 dark pixel.
const LIGHT = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGN49uwZAAVoArMCxcTLAAAAAElFTkSuQmCC";
const DARK = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMQEREBAAB8AD2SgCfbAAAAAElFTkSuQmCC";

function body(steps: number, over: Json = {}): Json {
  return {
    screen: { width: 1280, height: 800 },
    steps: Array.from({ length: steps }, (_, i) => ({
      action: i % 2 === 0 ? { name: "left_click", coordinate: [100 + i, 200] } : { name: "type", text: `value ${i}` },
      before: { thumb: LIGHT, crop: { rect: { x: 0, y: 100, width: 200, height: 100 }, png: DARK }, pointer: [10, 10] },
      origin: "model",
    })),
    final: { thumb: DARK },
    result: "Filed the form.",
    basedOn: null,
    modelCalls: steps + 1,
    costUsd: 0.41,
    wallMs: 60_000,
    ...over,
  };
}

async function hostCall(method: "GET" | "POST", taskId: string, token: string, payload?: unknown) {
  const res = await SELF.fetch(`https://deskfleet.test/api/hosts/tasks/${taskId}/trajectory`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(payload ? { "content-type": "application/json" } : {}) },
    ...(payload ? { body: typeof payload === "string" ? payload : JSON.stringify(payload) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** A schedule on its own desktop, triggered once, its task assigned to a connected test host. */
async function scheduledRun(desktopId: string, extra: Json = {}) {
  await createDesktop(desktopId);
  const token = await hostToken(desktopId);
  const host = new TestHost(desktopId, token);
  await host.connect();
  const schedule = (await api("POST", "/api/schedules", { body: { name: "weekly form", prompt: "File the weekly form", desktopId, intervalMinutes: 60 * 24 * 7, ...extra } })).json;
  const task = (await api("POST", `/api/schedules/${schedule.id}/trigger`)).json;
  await host.next("assign");
  return { schedule, task, token, host };
}

describe("trajectories in the control plane", () => {
  it("saves a schedule run's trajectory and hands it, images and all, to the next run that asks", async () => {
    const { schedule, task, token } = await scheduledRun("traj-1");
    expect(schedule.replay).toBe("auto");
    expect(task.options.replay).toBe("auto");
    const none = await hostCall("GET", task.id, token);
    expect(none).toMatchObject({ status: 200, json: { trajectory: null } });
    expect(none.json.reason).toContain("no successful run");

    const saved = await hostCall("POST", task.id, token, body(4));
    expect(saved.status).toBe(201);
    expect(saved.json.version).toBe(1);

    const got = await hostCall("GET", task.id, token);
    expect(got.status).toBe(200);
    const t = got.json.trajectory;
    expect(t).toMatchObject({ id: saved.json.id, version: 1, screen: { width: 1280, height: 800 }, result: "Filed the form.", modelCostUsd: 0.41 });
    expect(t.steps).toHaveLength(4);
    expect(t.steps[0]).toMatchObject({ action: { name: "left_click", coordinate: [100, 200] }, origin: "model", before: { thumb: LIGHT, crop: { png: DARK, rect: { x: 0, y: 100 } } } });
    expect(t.final.thumb).toBe(DARK);
  });

  it("keeps every version in history, replays the newest, shows runs and steps to the Trajectory tab, and forgets on request", async () => {
    const { schedule, task, token } = await scheduledRun("traj-2");
    const v1 = (await hostCall("POST", task.id, token, body(3))).json;
    const v2 = (await hostCall("POST", task.id, token, body(5, { basedOn: v1.id, costUsd: 0.03, modelCalls: 2, steps: body(5).steps.map((s: Json, i: number) => ({ ...s, origin: i < 3 ? "replayed" : "repaired" })) }))).json;
    expect(v2.version).toBe(2);
    expect((await hostCall("GET", task.id, token)).json.trajectory).toMatchObject({ id: v2.id, version: 2, modelCostUsd: 0.41 });

    const tab = await api("GET", `/api/schedules/${schedule.id}/trajectory`);
    expect(tab.status).toBe(200);
    expect(tab.json.current).toMatchObject({ id: v2.id, version: 2, origin: "repair", stepCount: 5, modelCalls: 2 });
    expect(tab.json.versions.map((v: Json) => v.version)).toEqual([2, 1]);
    expect(tab.json.steps.map((s: Json) => s.origin)).toEqual(["replayed", "replayed", "replayed", "repaired", "repaired"]);
    expect(tab.json.runs.map((r: Json) => r.taskId)).toEqual([task.id]);

    const image = await SELF.fetch(`https://deskfleet.test/api/trajectories/${v2.id}/images/${tab.json.steps[0].thumb}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(btoa(String.fromCharCode(...new Uint8Array(await image.arrayBuffer())))).toBe(LIGHT);

    const forgot = await api("DELETE", `/api/schedules/${schedule.id}/trajectory`);
    expect(forgot).toMatchObject({ status: 200, json: { forgotten: 2 } });
    expect((await hostCall("GET", task.id, token)).json.trajectory).toBeNull();
    const after = (await api("GET", `/api/schedules/${schedule.id}/trajectory`)).json;
    expect(after.current).toBeNull();
    expect(after.versions.every((v: Json) => v.forgottenAt !== null)).toBe(true);
  });

  it("does not replay a schedule whose replay is off, nor a one-off task unless it asks", async () => {
    const { schedule, task, token } = await scheduledRun("traj-3");
    await hostCall("POST", task.id, token, body(2));
    const off = await api("PATCH", `/api/schedules/${schedule.id}`, { body: { replay: "off" } });
    expect(off.json.replay).toBe("off");
    const run2 = (await api("POST", `/api/schedules/${schedule.id}/trigger`)).json;
    expect(run2.options.replay).toBe("off");

    await createDesktop("traj-4");
    const token4 = await hostToken("traj-4");
    const host4 = new TestHost("traj-4", token4);
    await host4.connect();
    const oneOff = (await api("POST", "/api/tasks", { body: { prompt: "Check the inbox", desktopId: "traj-4" } })).json;
    await host4.next("assign");
    const lookup = await hostCall("GET", oneOff.id, token4);
    expect(lookup.json).toMatchObject({ trajectory: null, reason: "replay is off for this task" });
  });

  it("refuses another desktop's task, a malformed trajectory and a bad image name with a 4xx that says what to do, storing nothing", async () => {
    const { schedule, task, token } = await scheduledRun("traj-5");
    await createDesktop("traj-6");
    const stranger = await hostToken("traj-6");
    expect((await hostCall("POST", task.id, stranger, body(2))).status).toBe(403);
    expect((await hostCall("GET", task.id, stranger)).status).toBe(403);
    const bad = await hostCall("POST", task.id, token, body(2, { steps: [] }));
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toBeTruthy();
    const notPng = body(1);
    notPng.steps[0].before.thumb = "not base64!";
    expect((await hostCall("POST", task.id, token, notPng)).status).toBe(422);
    const garbled = await hostCall("POST", task.id, token, "{not json");
    expect(garbled.status).toBeGreaterThanOrEqual(400);
    expect(garbled.status).toBeLessThan(500);
    expect((await api("GET", `/api/schedules/${schedule.id}/trajectory`)).json.versions).toEqual([]);
    expect((await api("GET", "/api/trajectories/trj_0000000000abc/images/../../x.png")).status).toBe(404);
    expect((await api("GET", "/api/trajectories/trj_0000000000abc/images/evil.png")).status).toBe(422);
    expect((await api("GET", "/api/trajectories/trj_0000000000abc/images/1-thumb.png")).status).toBe(404);
  });
});
