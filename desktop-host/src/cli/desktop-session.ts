import type { DesktopResources } from "@deskfleet/protocol";
import { HostRuntime, type HostExit } from "../runtime/host-runtime.ts";
import type { Logger } from "../runtime/logger.ts";
import type { SecretRedactions } from "../runtime/secret-redactions.ts";
import { VncConnection } from "../runtime/vnc-connection.ts";
import { hostToolbox } from "../tools/host-toolbox.ts";
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
  /** Ends with the runtime (a stop, or a refusal a person must fix), after the VNC session and tools closed. */
  readonly exited: Promise<HostExit>;
  stop(reason: string): Promise<HostExit>;
};

export type DesktopSessionOptions = {
  config: Pick<HostConfig, "server" | "desktopId" | "token" | "vnc" | "vncPassword" | "model"> &
    Partial<Pick<HostConfig, "allow" | "cdp" | "mcpConfig" | "toolsDir" | "filesRoots">>;
  ability: TaskAbility;
  logger: Logger;
  /** Secret values learnt while running (vault secrets, secret answers), redacted from the logger's lines. */
  redactions?: SecretRedactions;
  /** What the desktop costs, for each heartbeat; none when the desktop is another machine this host cannot measure. */
  resources?: () => DesktopResources | undefined;
};

/**
 * Connects one desktop: its VNC session (kept across VNC server restarts),
 * its control channel with the computer-use loop and the tools beyond the
 * screen it allows, and its live view. Each desktop has its own host token,
 * channel, tunnels and tasks.
 */
export async function startDesktopSession(options: DesktopSessionOptions): Promise<DesktopSession> {
  const { config, ability, logger } = options;
  const tools = hostToolbox({ allow: config.allow ?? [], cdp: config.cdp, mcpConfig: config.mcpConfig, toolsDir: config.toolsDir, filesRoots: config.filesRoots, logger });
  if (tools) logger.info(`tools beyond the screen allowed: ${tools.enabled.join(", ") || "none available"}; a task gets those it asks for`);
  const target = { ...config.vnc, password: config.vncPassword };
  const vnc = new VncConnection(target, logger);
  const first = await vnc.start();
  if (!first.reachable) logger.warn("starting without the VNC server; tasks fail until it is reachable (retrying in the background)");
  const runtime = new HostRuntime({
    server: config.server,
    desktopId: config.desktopId,
    token: config.token,
    runner: createHostRunner({ vnc, model: config.model, os: osName(), ability, tools }),
    capabilities: async () => hostCapabilities(vnc.status(), config.model, ability, tools?.enabled ?? []),
    ...(options.resources ? { resources: options.resources } : {}),
    logger,
    userAgent: `deskfleet-host/${HOST_VERSION} node/${process.version}`,
    release: HOST_VERSION,
    ...(options.redactions ? { redactions: options.redactions } : {}),
    live: liveDesktop({ server: config.server, token: config.token, vnc: target, log: (m, f) => logger.info(m, f) }),
  });
  runtime.start();
  const exited = runtime.exited.then(async (exit) => {
    await vnc.close();
    await tools?.close();
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
