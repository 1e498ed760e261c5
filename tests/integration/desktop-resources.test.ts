import { describe, expect, it } from "vitest";
import { api, createDesktop, eventually, hostToken } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

// A host's heartbeat carries what its desktop costs (CPU, memory); DesktopDO
// keeps the latest and the API serves it live, without a D1 write per beat.

const figures = (over: Record<string, unknown> = {}) => ({ scope: "desktop", cpuPercent: 42.5, memoryBytes: 512_000_000, cpus: 2, machineMemoryBytes: 24_000_000_000, at: Date.now(), ...over });
const resources = async (id: string) => (await api("GET", `/api/desktops/${id}/resources`)).json;

describe("desktop resources", () => {
  it("serves the figures of the connected host's latest heartbeat, and none once it is gone", async () => {
    await createDesktop("res-1");
    expect(await resources("res-1")).toEqual({ desktopId: "res-1", connected: false, resources: null, receivedAt: null });
    const host = new TestHost("res-1", await hostToken("res-1"));
    await host.connect();
    expect(await resources("res-1")).toMatchObject({ connected: true, resources: null });

    host.heartbeat(figures());
    await eventually(async () => (await resources("res-1")).resources !== null, "the first figures");
    expect(await resources("res-1")).toMatchObject({ connected: true, resources: { scope: "desktop", cpuPercent: 42.5, memoryBytes: 512_000_000 }, receivedAt: expect.any(Number) });
    host.heartbeat(figures({ cpuPercent: 7 }));
    await eventually(async () => (await resources("res-1")).resources?.cpuPercent === 7, "the newer figures");
    // A heartbeat without figures (an older host) keeps the last ones.
    host.heartbeat();
    await new Promise((r) => setTimeout(r, 100));
    expect((await resources("res-1")).resources?.cpuPercent).toBe(7);

    host.ws!.close(1000, "going away");
    await eventually(async () => (await resources("res-1")).connected === false, "host gone");
    expect((await resources("res-1")).resources).toBeNull();
  });

  it("refuses a heartbeat with impossible figures without storing them, and answers 404 for an unknown desktop", async () => {
    await createDesktop("res-2");
    const host = new TestHost("res-2", await hostToken("res-2"));
    await host.connect();
    host.heartbeat(figures({ cpuPercent: -3 }));
    await eventually(async () => host.received.some((m) => m.type === "error"), "an error for the bad heartbeat");
    expect(await resources("res-2")).toMatchObject({ connected: true, resources: null });
    const missing = await api("GET", "/api/desktops/no-such-desktop/resources");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("not_found");
  });
});
