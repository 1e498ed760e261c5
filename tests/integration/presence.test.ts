import { describe, expect, it } from "vitest";
import type { FleetFeedMessage } from "@deskfleet/protocol";
import { api, createDesktop, createTask, eventually, fleetFeed, hostToken } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

// One presence rule (protocol/src/presence.ts): REST reads it from D1, the
// fleet feed from FleetDO. Here they must say the same at every step.


type Feed = Awaited<ReturnType<typeof fleetFeed>>;
const lastOnFeed = (feed: Feed, id: string) => feed.messages.findLast((m): m is Extract<FleetFeedMessage, { type: "desktop" }> => m.type === "desktop" && m.desktopId === id);
const onRest = async (id: string) => (await api("GET", `/api/desktops/${id}`)).json?.presence as string | undefined;

/** Waits until the feed's newest word on the desktop is `expected`, then checks REST says the same. */
async function agree(feed: Feed, id: string, expected: string): Promise<void> {
  await eventually(async () => lastOnFeed(feed, id)?.presence === expected, `${id} ${expected} on the feed`);
  await eventually(async () => (await onRest(id)) === expected, `${id} ${expected} in REST (feed said ${lastOnFeed(feed, id)?.presence})`);
}

describe("desktop presence", () => {
  it("agrees between REST and the fleet feed for a worker: online, busy, online, and offline when its host left", async () => {
    const feed = await fleetFeed();
    await createDesktop("pres-worker");
    await agree(feed, "pres-worker", "offline");
    const host = new TestHost("pres-worker", await hostToken("pres-worker"));
    await host.connect();
    await agree(feed, "pres-worker", "online");
    const task = await createTask({ prompt: "be busy", desktopId: "pres-worker" });
    await host.next("assign");
    await agree(feed, "pres-worker", "busy");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }, { seq: 2, kind: "completed", data: { result: "done" } }]);
    await agree(feed, "pres-worker", "online");
    host.ws!.close(1000, "bye");
    await agree(feed, "pres-worker", "offline");
    feed.close();
  });

  it("agrees for a VNC-only desktop (view-only), and for a desktop with a VNC URL whose host left", async () => {
    const feed = await fleetFeed();
    await createDesktop("pres-vnc", { vncUrl: "vnc://10.0.0.5:5900" });
    await agree(feed, "pres-vnc", "view_only");
    const host = new TestHost("pres-vnc", await hostToken("pres-vnc"));
    await host.connect();
    await agree(feed, "pres-vnc", "online");
    host.ws!.close(1000, "bye");
    await agree(feed, "pres-vnc", "view_only");
    feed.close();
  });

  it("calls a host without an API key view-only, gives it no task, and the task aimed at it says why it waits", async () => {
    const feed = await fleetFeed();
    await createDesktop("pres-nokey");
    const host = new TestHost("pres-nokey", await hostToken("pres-nokey"));
    const reason = "no ANTHROPIC_API_KEY on this host; set it and restart deskfleet-host to run tasks";
    await host.connect([], undefined, { runsTasks: false, runsTasksReason: reason });
    await agree(feed, "pres-nokey", "view_only");
    const task = await createTask({ prompt: "needs a model", desktopId: "pres-nokey" });
    const waiting = await eventually(async () => ((await api("GET", `/api/tasks/${task.id}`)).json.waitingReason as string | null) ?? false, "a waiting reason");
    expect(waiting).toBe(`desktop pres-nokey's host cannot run tasks (${reason}); the task starts when it can`);
    expect((await api("GET", `/api/tasks/${task.id}`)).json.status).toBe("queued");
    expect(host.received.some((m) => m.type === "assign")).toBe(false);
    // The same host back with a key takes the task at once, and the reason goes.
    host.ws!.close(1000, "restarting with a key");
    await host.connect();
    expect((await host.next("assign")).task.id).toBe(task.id);
    expect((await api("GET", `/api/tasks/${task.id}`)).json.waitingReason).toBeNull();
    feed.close();
  });

  it("tells the feed a deleted desktop is gone while REST no longer knows it", async () => {
    const feed = await fleetFeed();
    await createDesktop("pres-gone", { vncUrl: "vnc://10.0.0.6:5900" });
    await agree(feed, "pres-gone", "view_only");
    expect((await api("DELETE", "/api/desktops/pres-gone")).status).toBe(200);
    await eventually(async () => lastOnFeed(feed, "pres-gone")?.deleted === true, "deleted on the feed");
    expect(lastOnFeed(feed, "pres-gone")).toMatchObject({ presence: "offline", taskId: null, deleted: true });
    expect((await api("GET", "/api/desktops/pres-gone")).status).toBe(404);
    expect(((await api("GET", "/api/desktops")).json.items as { id: string }[]).some((d) => d.id === "pres-gone")).toBe(false);
    feed.close();
  });
});
