import { describe, expect, it } from "vitest";
import { HostCapabilities, HostMessage } from "./host-protocol.ts";

const older = { screen: { width: 1280, height: 800 }, os: "Linux 6.1", hostVersion: "0.1.0", vnc: { reachable: true } };

describe("HostCapabilities", () => {
  it("reads a hello from a host older than runsTasks as a host that runs tasks", () => {
    const hello = HostMessage.parse({ type: "hello", protocolVersion: 1, desktopId: "vm-1", capabilities: older });
    expect(hello.type === "hello" && hello.capabilities).toMatchObject({ runsTasks: true });
    expect(hello.type === "hello" && "runsTasksReason" in hello.capabilities).toBe(false);
  });

  it("keeps a view-only host's reason, and refuses one longer than 300 characters", () => {
    const viewOnly = HostCapabilities.parse({ ...older, runsTasks: false, runsTasksReason: "no ANTHROPIC_API_KEY on this host" });
    expect(viewOnly).toMatchObject({ runsTasks: false, runsTasksReason: "no ANTHROPIC_API_KEY on this host" });
    expect(HostCapabilities.safeParse({ ...older, runsTasks: false, runsTasksReason: "x".repeat(301) }).success).toBe(false);
  });
});

describe("HeartbeatMessage", () => {
  const resources = { scope: "desktop", cpuPercent: 37.5, memoryBytes: 412_000_000, cpus: 2, machineMemoryBytes: 25_000_000_000, at: 1_700_000_000_000 };

  it("carries what the desktop costs, and stays valid without it (hosts before resources)", () => {
    expect(HostMessage.parse({ type: "heartbeat", at: 1, resources })).toEqual({ type: "heartbeat", at: 1, resources });
    expect(HostMessage.parse({ type: "heartbeat", at: 1 })).toEqual({ type: "heartbeat", at: 1 });
  });

  it("refuses figures that cannot be measured: negative CPU, fractional bytes, an unknown scope", () => {
    for (const bad of [{ cpuPercent: -1 }, { memoryBytes: 1.5 }, { scope: "cluster" }, { cpus: 0 }]) {
      expect(HostMessage.safeParse({ type: "heartbeat", at: 1, resources: { ...resources, ...bad } }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
