import { spawnSync } from "node:child_process";
import { HostTokenResponse, type HostInstallLines } from "@deskfleet/protocol";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startScriptedAnthropic, type ConversationScript, type ScriptedAnthropic } from "../../test-support/scripted-anthropic/index.ts";
import { startXDesktop, type XDesktop, type XDesktopOptions } from "@deskfleet/rfb/testing/x-desktop";
import { startChromiumOnDisplay } from "deskfleet-host/pool";
import { startTestApp, type TestApp } from "./test-app.ts";
import { hostProcess, type HostProcess } from "./host-process.ts";

export const SCREEN = { width: 1280, height: 800 };
export const VNC_PASSWORD = "e2e-vnc-secret";
export const API_KEY = "sk-ant-e2e-test-key-000000";

export type World = {
  cp: TestControlPlane;
  anthropic: ScriptedAnthropic;
  app: TestApp;
  desktop: XDesktop;
  desktopId: string;
  hostToken: string;
  host: HostProcess;
  /** Starts the host when the world was made with `deferHost`, and waits until it is online. */
  startHost(): Promise<void>;
  dispose(): Promise<void>;
};

/** A World before its host: the desktop is added and has a host token (and the install lines that came with it). */
export type BareWorld = Omit<World, "host" | "startHost"> & { install: HostInstallLines };

export type WorldOptions = {
  conversations: ConversationScript[];
  vars?: Record<string, string>;
  desktopId?: string;
  labels?: string[];
  /** More `deskfleet-host run` flags (--allow, --cdp, --tools-dir…) and environment. */
  hostArgs?: string[];
  hostEnv?: Record<string, string>;
  /** Chromium's remote debugging port, for the browser tool. */
  cdpPort?: number;
  /** Create the desktop and its token, but start the host only when `startHost()` is called. */
  deferHost?: boolean;
  /** The page shown on the desktop; default the registration form (test-app.ts). */
  app?: () => Promise<TestApp>;
  /** Another VNC server for the desktop (TigerVNC's Xvnc, with VeNCrypt say); x11vnc when absent. */
  desktop?: Pick<XDesktopOptions, "server" | "xvncSecurity">;
  /** Environment of wrangler itself (e.g. NODE_EXTRA_CA_CERTS, which the local Workers runtime trusts). */
  controlPlaneEnv?: Record<string, string>;
};

/**
 * Everything for an end-to-end test: the real Worker under `wrangler dev`, a
 * real X desktop (Xvfb + x11vnc with a password, or Xvnc) showing the test app in
 * Chromium, the scripted Messages API, and the real deskfleet-host binary
 * attached to that desktop.
 */
export async function startWorld(opts: WorldOptions): Promise<World> {
  const bare = await startBareWorld(opts);
  try {
    const { cp, anthropic, desktop, desktopId, hostToken } = bare;
    const host = hostProcess(
      { DESKFLEET_HOST_TOKEN: hostToken, DESKFLEET_VNC_PASSWORD: VNC_PASSWORD, ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: anthropic.url, ...opts.hostEnv },
      ["--server", cp.url, "--desktop", desktopId, "--vnc", `127.0.0.1:${desktop.port}`, ...(opts.hostArgs ?? [])],
      { deferred: opts.deferHost === true },
    );
    const startHost = async () => {
      if (!host.running) host.start();
      await waitUntil(async () => (await cp.api("GET", `/api/desktops/${desktopId}`)).json.presence === "online", 30_000, () => `the host did not come online:\n${host.logs().slice(-3000)}`);
    };
    if (!opts.deferHost) {
      await startHost().catch(async (err: unknown) => {
        await host.stop();
        throw err;
      });
    }
    return {
      ...bare,
      host,
      startHost,
      dispose: async () => {
        await host.stop().catch(() => undefined);
        await bare.dispose();
      },
    };
  } catch (err) {
    await bare.dispose();
    throw err;
  }
}

/** Everything of a World except the host, for tests that install and start one themselves. */
export async function startBareWorld(opts: WorldOptions): Promise<BareWorld> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const anthropic = await startScriptedAnthropic({ conversations: opts.conversations, apiKeys: [API_KEY] });
    cleanups.push(() => anthropic.close());
    const cp = await startTestControlPlane({ ANTHROPIC_BASE_URL: anthropic.url, ...opts.vars }, opts.controlPlaneEnv ? { env: opts.controlPlaneEnv } : {});
    cleanups.push(() => cp.dispose());
    const app = await (opts.app ?? startTestApp)();
    cleanups.push(() => app.close());
    const desktop = await startXDesktop({ ...SCREEN, password: VNC_PASSWORD, ...opts.desktop });
    cleanups.push(() => desktop.stop());
    const chromium = startChromiumOnDisplay(desktop.env, app.url, SCREEN, opts.cdpPort !== undefined ? { cdpPort: opts.cdpPort } : {});
    cleanups.push(() => chromium.stop());
    await app.waitFor((e) => e.type === "ready", 30_000);
    await new Promise((r) => setTimeout(r, 800)); // first paint after the ready report

    const desktopId = opts.desktopId ?? "e2e-desk";
    const created = await cp.api("POST", "/api/desktops", { id: desktopId, name: "E2E desktop", labels: opts.labels ?? ["e2e"] });
    if (created.status !== 201) throw new Error(`creating the desktop failed: ${JSON.stringify(created.json)}`);
    const issued = HostTokenResponse.parse((await cp.api("POST", `/api/desktops/${desktopId}/host-token`)).json);
    return {
      cp, anthropic, app, desktop, desktopId, hostToken: issued.token, install: issued.install,
      dispose: async () => {
        for (const c of cleanups.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Skips cleanly on a laptop without a desktop; under `npm run test:e2e` a missing tool is a failure. */
export function e2ePrerequisitesMissing(): string | null {
  const missing = ["Xvfb", "x11vnc", "xdotool", "chromium"].filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
  if (missing.length === 0) return null;
  const message = `end-to-end tests need ${missing.join(", ")}: apt-get install -y xvfb x11vnc xdotool chromium`;
  if (process.env["DESKFLEET_E2E"] === "1") throw new Error(message);
  return message;
}
