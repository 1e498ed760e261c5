import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import { DesktopResourcesResponse } from "@deskfleet/protocol";
import { DesktopResources } from "./DesktopResources.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

// What GET /api/desktops/:id/resources answers, checked against the schema the Worker declares for it.
const reply = (over: Partial<DesktopResourcesResponse> = {}) =>
  DesktopResourcesResponse.parse({
    desktopId: "pool-1",
    connected: true,
    resources: { scope: "desktop", cpuPercent: 37.5, memoryBytes: 412_000_000, cpus: 2, machineMemoryBytes: 25_300_000_000, at: Date.now() },
    receivedAt: Date.now(),
    ...over,
  });

describe("DesktopResources", () => {
  it("shows a pool desktop's own CPU in cores and its memory against the machine's", async () => {
    fakeApi({ "GET /api/desktops/pool-1/resources": () => ok(reply()) });
    render(<Providers><DesktopResources desktopId="pool-1" /></Providers>);
    expect((await screen.findByLabelText("Resources")).textContent).toBe("This desktop's processes: CPU 0.38 of 2 cores · memory 412 MB of 25.3 GB · measured just now");
  });

  it("says the figures are the machine's for a host that measures its whole machine", async () => {
    const machine = reply({ resources: { scope: "machine", cpuPercent: 150, memoryBytes: 3_400_000_000, cpus: 4, machineMemoryBytes: 16_000_000_000, at: Date.now() } });
    fakeApi({ "GET /api/desktops/pool-1/resources": () => ok(machine) });
    render(<Providers><DesktopResources desktopId="pool-1" /></Providers>);
    expect((await screen.findByLabelText("Resources")).textContent).toBe("Its machine: CPU 1.5 of 4 cores · memory 3.4 GB of 16.0 GB · measured just now");
  });

  it("says when a connected host reports nothing, and shows nothing without a host", async () => {
    fakeApi({ "GET /api/desktops/pool-1/resources": () => ok(reply({ resources: null, receivedAt: null })) });
    const { unmount } = render(<Providers><DesktopResources desktopId="pool-1" /></Providers>);
    expect((await screen.findByLabelText("Resources")).textContent).toBe("CPU and memory: not reported by this desktop's host");
    unmount();
    const { calls } = fakeApi({ "GET /api/desktops/pool-1/resources": () => ok(reply({ connected: false, resources: null, receivedAt: null })) });
    render(<Providers><DesktopResources desktopId="pool-1" /></Providers>);
    await expect.poll(() => calls.length).toBe(1);
    expect(screen.queryByLabelText("Resources")).toBeNull();
  });
});
