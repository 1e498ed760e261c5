import type { DesktopResources } from "@deskfleet/protocol";
import { HostRuntime, type HostExit } from "../runtime/host-runtime.ts";
import type { Logger } from "../runtime/logger.ts";
import { VncConnection } from "../runtime/vnc-connection.ts";
import { liveDesktop } from "../tunnel/live-desktop.ts";
import type { HostConfig } from "./config.ts";
import { HOST_VERSION, hostCapabilities, osName } from "./host-info.ts";
import { createHostRunner } from "./runner-factory.ts";
import type { TaskAbility } from "./task-ability.ts";

/** One desktop served by this process: `run` serves one, `gateway` several. */
export type DesktopSession = {
  readonly desktopId: string;
  readonly runtime: HostRuntime;
  readonly vnc: VncConnection;
  /** Ends with the runtime (a stop, or a refusal a person must fix), after the VNC session closed. */
  readonly exited: Promise<HostExit>;
  stop(reason: string): Promise<HostExit>;
};

export type DesktopSessionOptions = {
  config: Pick<HostConfig, "server" | "desktopId" | "token" | "vnc" | "vncPassword" | "model">;
  ability: TaskAbility;
  logger: Logger;
  /** What the desktop costs, for each heartbeat; none when the desktop is another machine this host cannot measure. */
  resources?: () => DesktopResources | undefined;
};

/**
 * Connects one desktop: its VNC session (kept across VNC server restarts),
 * its control channel with the computer-use loop, and its live view. Each
 * desktop has its own host token, channel, tunnels and tasks.
 */
export async function startDesktopSession(options: DesktopSessionOptions): Promise<DesktopSession> {
  const { config, ability, logger } = options;
  const target = { ...config.vnc, password: config.vncPassword };
  const vnc = new VncConnection(target, logger);
  const first = await vnc.start();
  if (!first.reachable) logger.warn("starting without the VNC server; tasks fail until it is reachable (retrying in the background)");
  const runtime = new HostRuntime({
    server: config.server,
    desktopId: config.desktopId,
    token: config.token,
    runner: createHostRunner({ vnc, model: config.model, os: osName(), ability }),
    capabilities: async () => hostCapabilities(vnc.status(), config.model, ability),
    ...(options.resources ? { resources: options.resources } : {}),
    logger,
    userAgent: `deskfleet-host/${HOST_VERSION} node/${process.version}`,
    live: liveDesktop({ server: config.server, token: config.token, vnc: target, log: (m, f) => logger.info(m, f) }),
  });
  runtime.start();
  const exited = runtime.exited.then(async (exit) => {
    await vnc.close();
    return exit;
  });
  return {
    desktopId: config.desktopId,
    runtime,
    vnc,
    exited,
    stop: async (reason) => {
      await runtime.stop(reason);
      return exited;
    },
  };
}
