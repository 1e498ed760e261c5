import type { HostCapabilities } from "@deskfleet/protocol";

/** What DesktopDO keeps on the host's socket (survives hibernation). */
export type HostAttachment = {
  role: "host";
  desktopId: string;
  connectedAt: number;
  helloed: boolean;
};

/** What DesktopDO keeps in storage about its host. */
export type PresenceRecord = {
  desktopId: string;
  connected: boolean;
  lastHeartbeatAt: number;
  lastSeenWrittenAt: number;
  capabilities: HostCapabilities | null;
};

/** When the host counts as lost: heartbeats stopped (or the socket closed) this long ago. */
export function lostAt(p: PresenceRecord, timeoutMs: number): number {
  return p.lastHeartbeatAt + timeoutMs;
}
