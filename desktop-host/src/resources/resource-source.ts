import { DesktopResources } from "@deskfleet/protocol";
import { z } from "zod";
import { MachineSampler } from "./machine-sampler.ts";

/** Set by `deskfleet-host pool` on each host it starts: the pool measures the desktop and sends the figures over IPC. */
export const RESOURCES_FROM_PARENT = "DESKFLEET_RESOURCES_FROM_PARENT";

/** What a pool sends its host over the IPC channel. */
export const ResourcesFromParent = z.object({ type: z.literal("resources"), resources: DesktopResources });
export type ResourcesFromParent = z.infer<typeof ResourcesFromParent>;

export type ResourceSource = { read: () => DesktopResources | undefined; close: () => void };

/**
 * Where a host's figures come from. A host started by a pool cannot tell its
 * desktop's processes from the other desktops' (they share the machine), so
 * its pool measures them and sends the latest over IPC; any other host
 * measures the machine it runs on.
 */
export function resourceSource(env: Record<string, string | undefined>): ResourceSource {
  if (env[RESOURCES_FROM_PARENT] === "1" && process.send) {
    let latest: DesktopResources | undefined;
    const onMessage = (message: unknown) => {
      const parsed = ResourcesFromParent.safeParse(message);
      if (parsed.success) latest = parsed.data.resources;
    };
    process.on("message", onMessage);
    // The channel must not keep the host alive: it ends when its runtime does.
    process.channel?.unref();
    return { read: () => latest, close: () => void process.off("message", onMessage) };
  }
  const machine = new MachineSampler();
  machine.sample(); // the first sample only starts the window
  return { read: () => machine.sample(), close: () => undefined };
}
