import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(async () => {
  await cp?.dispose();
});

describe("the control plane under wrangler dev", () => {
  it("serves health publicly and the API only with the admin token", async () => {
    expect((await cp.api("GET", "/api/health", undefined, null)).status).toBe(200);
    expect((await cp.api("GET", "/api/desktops", undefined, null)).status).toBe(401);
    expect((await cp.api("GET", "/api/desktops")).status).toBe(200);
  });

  it("keeps tasks across a restart of the Worker (local state on disk)", async () => {
    const created = await cp.api("POST", "/api/tasks", { prompt: "survive a restart", labels: ["nobody"] });
    expect(created.status).toBe(201);
    await cp.restart();
    const after = await cp.api("GET", `/api/tasks/${created.json.id}`);
    expect(after.status).toBe(200);
    expect(after.json.status).toBe("queued");
  });
});
