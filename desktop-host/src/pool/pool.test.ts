import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freeVncPort, scalePlan } from "./pool.ts";
import { defaultPoolName, parsePoolArgs, startProblems } from "./pool-args.ts";
import { hostCommand } from "./host-command.ts";
import { restartDelay, Supervised, type SupervisedEvent } from "./supervised-process.ts";

describe("a pool's scale plan", () => {
  it("starts the missing numbers from 1 and stops the highest first", () => {
    expect(scalePlan([], 3)).toEqual({ start: [1, 2, 3], stop: [] });
    expect(scalePlan([1, 2, 3, 4], 2)).toEqual({ start: [], stop: [4, 3] });
    // A gap left by a desktop that failed to start is filled, not skipped.
    expect(scalePlan([1, 3], 3)).toEqual({ start: [2], stop: [] });
    expect(scalePlan([1, 2], 0)).toEqual({ start: [], stop: [2, 1] });
  });

  it("gives each desktop a VNC port that is free and not another desktop's", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      expect(await freeVncPort(new Set(), port, port + 1)).toBe(port + 1);
      await expect(freeVncPort(new Set([port + 1]), port, port + 1)).rejects.toThrow(/no free port/);
    } finally {
      busy.close();
    }
  });
});

describe("deskfleet-host pool arguments", () => {
  it("take flags over the environment, and name the desktops after the machine by default", () => {
    const r = parsePoolArgs(["--count", "3", "--labels", "pool, chromium", "--size", "1024x768"], { DESKFLEET_SERVER: "https://cp.example.com", DESKFLEET_POOL_COUNT: "9", DESKFLEET_API_TOKEN: "dft_x", DESKFLEET_HOME: "/srv/df" });
    expect(r.problems).toEqual([]);
    expect(r.config).toMatchObject({ server: "https://cp.example.com", count: 3, labels: ["pool", "chromium"], size: { width: 1024, height: 768 }, url: "about:blank", apiToken: "dft_x", name: defaultPoolName() });
    expect(r.config.dir).toBe(`/srv/df/pools/${defaultPoolName()}`);
    expect(defaultPoolName("Build-Box_07.lan.example")).toBe("build-box-07");
  });

  it("say what is wrong with each bad value", () => {
    const r = parsePoolArgs(["--count", "65", "--name=-bad", "--size", "80x60", "--url", "javascript:alert(1)", "--labels", "ok,NOT OK"], {});
    expect(r.problems.join("\n")).toMatch(/--count.*at most 64/);
    expect(r.problems.join("\n")).toMatch(/--name.*lowercase letters/);
    expect(r.problems.join("\n")).toMatch(/--size.*WIDTHxHEIGHT/);
    expect(r.problems.join("\n")).toMatch(/--url.*http\(s\) or file URL/);
    expect(r.problems.join("\n")).toMatch(/"NOT OK"/);
    expect(parsePoolArgs(["--bogus"], {}).problems[0]).toMatch(/bogus.*pool --help/);
    // The pool sends its admin API token to the control plane: in clear only to this machine.
    expect(parsePoolArgs(["--server", "http://cp.example.com"], {}).problems.join("\n")).toMatch(/--server.*must use https:\/\//);
    expect(parsePoolArgs(["--server", "http://127.0.0.1:8787"], {}).problems).toEqual([]);
  });

  it("need a control plane and an admin API token to start, but never a host token", () => {
    const r = parsePoolArgs([], {});
    expect(startProblems(r.config).join("\n")).toMatch(/DESKFLEET_SERVER[\s\S]*DESKFLEET_API_TOKEN/);
  });
});

describe("a pool's host command", () => {
  it("is the running deskfleet-host when Node runs it, the package's bin otherwise", () => {
    expect(hostCommand(["/usr/bin/node", "/opt/df/deskfleet-host.ts"], "/usr/bin/node", null)).toEqual(["/usr/bin/node", ...process.execArgv, "/opt/df/deskfleet-host.ts"]);
    // The installed bundle starts its desktops' hosts with itself, whatever launched it.
    expect(hostCommand(["/usr/bin/node", "/home/ada/.deskfleet/bin/deskfleet-host"], "/usr/bin/node", "/home/ada/.deskfleet/lib/deskfleet-host-0.2.0.mjs")).toEqual(["/usr/bin/node", "/home/ada/.deskfleet/lib/deskfleet-host-0.2.0.mjs"]);
    const fallback = hostCommand(["/usr/bin/node", "/x/vitest.mjs"], "/usr/bin/node", null);
    expect(fallback[0]).toBe("/usr/bin/node");
    expect(fallback[1]).toMatch(/desktop-host\/bin\/deskfleet-host\.ts$/);
  });
});

describe("a supervised process", () => {
  it("waits longer after each crash in a row, up to a cap", () => {
    expect([0, 1, 2, 3].map((a) => restartDelay(a))).toEqual([250, 500, 1000, 2000]);
    expect(restartDelay(30)).toBe(30_000);
    expect(restartDelay(2, { firstMs: 1000, maxMs: 3000 })).toBe(3000);
  });

  it("is started again after it exits on its own, and not after stop()", async () => {
    const events: SupervisedEvent[] = [];
    const p = new Supervised({
      name: "sleeper",
      start: async () => spawn("sleep", ["30"], { stdio: "ignore" }),
      restart: { firstMs: 50 },
      onEvent: (e) => events.push(e),
    });
    await p.start();
    const first = p.pid!;
    process.kill(first, "SIGKILL");
    const deadline = Date.now() + 5000;
    while ((p.pid === null || p.pid === first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const second = p.pid!;
    expect(second).not.toBe(first);
    expect(p.restarts).toBe(1);
    expect(events.map((e) => e.kind)).toEqual(["started", "exited", "started"]);
    expect(events[1]).toMatchObject({ kind: "exited", signal: "SIGKILL", restartInMs: 50 });
    await p.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(p.pid).toBeNull();
    expect(() => process.kill(second, 0)).toThrow();
    expect(events).toHaveLength(3);
  });

  it("retries a start that failed", async () => {
    let attempts = 0;
    const p = new Supervised({
      name: "flaky",
      start: async () => {
        if (++attempts < 3) throw new Error("not yet");
        return spawn("sleep", ["30"], { stdio: "ignore" });
      },
      restart: { firstMs: 20 },
    });
    await p.start();
    const deadline = Date.now() + 5000;
    while (p.pid === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(attempts).toBe(3);
    expect(p.pid).not.toBeNull();
    await p.stop();
  });
});
