import { z } from "zod";
import { DesktopId, EpochMs } from "./ids.ts";

/**
 * What a desktop costs the machine it runs on, measured by its host and sent
 * with each heartbeat. A desktop of a pool (`deskfleet-host pool`) is
 * measured alone: its X server, window manager, VNC server, browser and host.
 * Any other host measures the whole machine it runs on, which is the desktop
 * it drives when the VNC server is local.
 */
export const DesktopResources = z.object({
  scope: z.enum(["desktop", "machine"]),
  /** CPU over the last sample, in % of one core (as `top` counts: up to 100 × cpus). */
  cpuPercent: z.number().nonnegative().max(100_000),
  /**
   * Memory in use. For a desktop: the proportional set size of its processes
   * (a page shared by n processes counts 1/n for each), so desktops add up to
   * what they really take. For a machine: total minus available memory.
   */
  memoryBytes: z.number().int().nonnegative(),
  /** The machine's cores and memory, to read the figures against. */
  cpus: z.number().int().positive().max(4096),
  machineMemoryBytes: z.number().int().positive(),
  /** When it was measured, by the host's clock. */
  at: EpochMs,
});
export type DesktopResources = z.infer<typeof DesktopResources>;

/** `GET /api/desktops/:id/resources`: the host's latest figures, as DesktopDO received them. */
export const DesktopResourcesResponse = z.object({
  desktopId: DesktopId,
  connected: z.boolean(),
  /** Null until a connected host reports (hosts before this field, gateways in front of other machines, the first heartbeat not yet in). */
  resources: DesktopResources.nullable(),
  /** When DesktopDO received them, by the control plane's clock. */
  receivedAt: EpochMs.nullable(),
});
export type DesktopResourcesResponse = z.infer<typeof DesktopResourcesResponse>;
