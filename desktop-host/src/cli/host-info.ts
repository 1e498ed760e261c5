import { release } from "node:os";
import { HOST_RELEASE, type HostCapabilities } from "@deskfleet/protocol";
import type { VncStatus } from "../runtime/vnc-connection.ts";
import type { TaskAbility } from "./task-ability.ts";

/** From the protocol package, not package.json: the bundle is one file and carries no package.json. */
export const HOST_VERSION: string = HOST_RELEASE;

const OS_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: "Linux", darwin: "macOS", win32: "Windows" };

/** The operating system the model is told about (the one the VNC server shows is usually this machine's). */
export function osName(): string {
  return OS_NAMES[process.platform] ?? process.platform;
}

/** What the host tells the control plane in each hello. */
export function hostCapabilities(vnc: VncStatus, model: string | undefined, ability: TaskAbility, tools: readonly string[] = []): HostCapabilities {
  return {
    screen: vnc.screen,
    os: `${osName()} ${release()}`.slice(0, 100),
    hostVersion: HOST_VERSION,
    nodeVersion: process.version,
    vnc: { reachable: vnc.reachable, ...(vnc.name ? { server: vnc.name.slice(0, 200) } : {}) },
    /** The tools beyond the screen this host allows and has (shell, files, browser, web, mcp:<server>). */
    tools: [...tools],
    ...(model ? { model } : {}),
    runsTasks: ability.runsTasks,
    ...(ability.runsTasks ? {} : { runsTasksReason: ability.reason }),
  };
}
