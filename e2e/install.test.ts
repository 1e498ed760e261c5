import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_RELEASE } from "@deskfleet/protocol";
import { text, toolsetCall } from "../test-support/scripted-anthropic/index.ts";
import { freshMachine, TOKEN_PROMPT, type FreshMachine } from "../test-support/fresh-machine.ts";
import { startTamperingProxy } from "../test-support/tampering-proxy.ts";
import { ensureHostBundle } from "../scripts/lib/host-bundle.ts";
import { ROOT } from "../scripts/lib/local-control-plane.ts";
import { API_KEY, e2ePrerequisitesMissing, startBareWorld, VNC_PASSWORD, waitUntil, type BareWorld } from "./support/world.ts";

// Issue #13's proof: on a machine with nothing of Deskfleet but Node (a fresh
// HOME, a PATH holding only node), the line the control plane hands out
// installs a host from that control plane, which comes online and runs a task
// on a real desktop with the scripted model; a bundle changed on the way fails
// its checksum and installs nothing.

const missing = e2ePrerequisitesMissing() ?? (existsSync("/usr/bin/script") ? null : "the installer test needs util-linux's script (bsdutils)");
const NAME_FIELD = [290, 122];
const SUBMIT = [140, 210];
let world: BareWorld;
const machines: FreshMachine[] = [];

beforeAll(async () => {
  if (missing) return;
  await ensureHostBundle(ROOT);
  world = await startBareWorld({
    desktopId: "installed-desk",
    conversations: [
      {
        name: "register",
        match: "Register Grace Hopper",
        steps: [
          toolsetCall("left_click", { coordinate: NAME_FIELD }),
          toolsetCall("type", { text: "Grace Hopper" }),
          toolsetCall("left_click", { coordinate: SUBMIT }),
          text("Registered Grace Hopper."),
        ],
      },
    ],
  });
}, 180_000);

afterAll(async () => {
  for (const m of machines) m.dispose();
  await world?.dispose();
});

describe.skipIf(missing !== null)("the host installed from the control plane, end to end", () => {
  it("installs with the dashboard's line on a machine with only Node, comes online and runs a task", async () => {
    const machine = freshMachine();
    machines.push(machine);
    const passwordFile = join(machine.home, "vnc-password");
    writeFileSync(passwordFile, VNC_PASSWORD, { mode: 0o600 });
    expect(world.install.unix).toBe(`curl -fsSL ${world.cp.url}/install.sh | sh -s -- --desktop installed-desk --token-stdin`);

    // The line as the dashboard shows it, pasted into a terminal, plus where the VNC server is; the key comes from the shell's environment.
    const line = `${world.install.unix} --vnc 127.0.0.1:${world.desktop.port} --vnc-password-file ${passwordFile}`;
    const installed = await machine.runInTerminal(line, world.hostToken, { env: { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: world.anthropic.url } });
    expect(installed.code, installed.stdout).toBe(0);
    expect(installed.stdout).toMatch(TOKEN_PROMPT);
    expect(installed.stdout).toContain(`✓ deskfleet-host ${HOST_RELEASE} installed in ${join(machine.home, ".deskfleet")} for desktop installed-desk`);
    expect(installed.stdout).toContain("saved ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL from this shell's environment");
    // Typed at a prompt that does not echo: the token is nowhere in what the terminal showed.
    expect(installed.stdout).not.toContain(world.hostToken);

    // Started from a bare environment: everything it needs is in ~/.deskfleet.
    const host = machine.start([machine.launcher, "run"]);
    try {
      await waitUntil(async () => (await world.cp.api("GET", "/api/desktops/installed-desk")).json.capabilities?.runsTasks === true, 30_000, () => `the installed host did not come online:\n${host.output()}`);
      const desktop = (await world.cp.api("GET", "/api/desktops/installed-desk")).json;
      expect(desktop.presence).toBe("online");
      expect(desktop.capabilities).toMatchObject({ hostVersion: HOST_RELEASE, screen: { width: 1280, height: 800 }, vnc: { reachable: true } });

      const created = await world.cp.api("POST", "/api/tasks", { prompt: "Register Grace Hopper in the form and submit it.", desktopId: "installed-desk" });
      expect(created.status).toBe(201);
      const id = created.json.id as string;
      await waitUntil(async () => ["completed", "failed"].includes((await world.cp.api("GET", `/api/tasks/${id}`)).json.status), 90_000, () => `the task did not finish:\n${host.output().slice(-4000)}`);
      const task = (await world.cp.api("GET", `/api/tasks/${id}`)).json;
      expect(task.error, JSON.stringify(task.error)).toBeNull();
      expect(task).toMatchObject({ status: "completed", result: "Registered Grace Hopper." });
      expect((await world.app.waitFor((e) => e.type === "submitted")).value).toBe("Grace Hopper");
      world.anthropic.assertNoRejections();
    } finally {
      const stopped = await host.stop();
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
      expect(stopped.stdout + stopped.stderr).not.toContain(world.hostToken);
      expect(stopped.stdout + stopped.stderr).not.toContain(API_KEY);
    }
  }, 180_000);

  it("installs nothing, before asking for the token, when the bundle fails its checksum on the way", async () => {
    const machine = freshMachine();
    machines.push(machine);
    const proxy = await startTamperingProxy(world.cp.url);
    try {
      // The same line through a proxy that changes one byte of the bundle: its install.sh names the proxy, so the bundle comes through it.
      const line = world.install.unix.replace(world.cp.url, proxy.url);
      const r = await machine.runInTerminal(line, world.hostToken);
      expect(r.code).toBe(1);
      expect(proxy.tampered()).toBe(1);
      expect(r.stdout).toContain("deskfleet install: the downloaded host bundle failed its checksum; nothing was installed.");
      expect(r.stdout).toMatch(/expected: [0-9a-f]{64} \(published by the control plane\)/);
      expect(r.stdout).not.toMatch(TOKEN_PROMPT);
      expect(existsSync(join(machine.home, ".deskfleet"))).toBe(false);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
