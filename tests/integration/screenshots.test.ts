import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createDesktop, createTask, hostToken } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

// A real 1×1 PNG (red pixel).
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"), (c) => c.charCodeAt(0));

async function upload(taskId: string, token: string, body: Uint8Array | string, type = "image/png") {
  const res = await SELF.fetch(`https://deskfleet.test/api/hosts/tasks/${taskId}/screenshots`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body,
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe("task screenshots in R2", () => {
  it("stores a host's PNG for its own task and serves the same bytes to viewers", async () => {
    await createDesktop("shot-1");
    const token = await hostToken("shot-1");
    const host = new TestHost("shot-1", token);
    await host.connect();
    const task = await createTask({ prompt: "take a picture", desktopId: "shot-1" });
    await host.next("assign");
    const stored = await upload(task.id, token, PNG);
    expect(stored.status).toBe(201);
    expect(stored.json.key).toMatch(new RegExp(`^tasks/${task.id}/[0-9a-z-]+\\.png$`));
    const name = (stored.json.key as string).split("/").pop();
    const res = await SELF.fetch(`https://deskfleet.test/api/tasks/${task.id}/screenshots/${name}`, { headers: { authorization: `Bearer ${(await import("cloudflare:test")).env.DESKFLEET_ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
  });

  it("refuses uploads for a task assigned to another desktop, non-PNG bodies and a bad token", async () => {
    await createDesktop("shot-2");
    await createDesktop("shot-3");
    const owner = new TestHost("shot-2", await hostToken("shot-2"));
    await owner.connect();
    const task = await createTask({ prompt: "mine", desktopId: "shot-2" });
    await owner.next("assign");
    const stranger = await hostToken("shot-3");
    expect((await upload(task.id, stranger, PNG)).status).toBe(403);
    const ownerToken = await hostToken("shot-2");
    expect((await upload(task.id, ownerToken, "not a png at all, just text padding the body")).status).toBe(422);
    expect((await upload(task.id, ownerToken, PNG, "text/plain")).status).toBe(415);
    expect((await upload(task.id, "dfh_bogus", PNG)).status).toBe(401);
    expect((await api("GET", `/api/tasks/${task.id}/screenshots/0000000000-abcdef.png`)).status).toBe(404);
  });
});
