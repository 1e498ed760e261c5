import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { setupCommand, type SetupDeps } from "./setup-command.ts";
import { installLayout } from "./layout.ts";

const TOKEN = "dfh_setupTestToken_0123456789abcdef";

/** A stand-in bundle: a real ES module that reports how the launcher started it. */
function fakeBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), "dfh-bundle-"));
  const file = join(dir, "deskfleet-host-0.1.0.mjs");
  writeFileSync(file, "console.log(JSON.stringify({ home: process.env.DESKFLEET_HOME, args: process.argv.slice(2) }));\n");
  return file;
}

function deps(over: Partial<Omit<SetupDeps, "stdin">> & { stdin?: string } = {}): SetupDeps & { output: () => string } {
  let output = "";
  const { stdin, ...rest } = over;
  return {
    env: {},
    bundle: fakeBundle(),
    stdin: Readable.from([stdin ?? ""]),
    stderr: { write: () => true } as unknown as NodeJS.WritableStream,
    openTerminal: () => null,
    out: { write: (s: string) => ((output += s), true) } as unknown as NodeJS.WritableStream,
    platform: "linux",
    nodePath: process.execPath,
    ...rest,
    output: () => output,
  };
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("deskfleet-host setup", () => {
  it("installs the bundle, a launcher, the token readable by its owner only, the config and the env file", async () => {
    const prefix = join(mkdtempSync(join(tmpdir(), "dfh-setup-")), "deskfleet");
    const d = deps({ stdin: `${TOKEN}\n`, env: { ANTHROPIC_API_KEY: "sk-ant-setup-test", HOME: "/nowhere" } });
    const code = await setupCommand(["--server", "https://cp.example.com", "--desktop", "vm-1", "--token-stdin", "--prefix", prefix, "--vnc", "127.0.0.1:5901"], d);
    expect(code, d.output()).toBe(0);
    const layout = installLayout(prefix, "linux");
    expect(readFileSync(layout.tokenFile, "utf8")).toBe(`${TOKEN}\n`);
    expect(mode(layout.tokenFile)).toBe(0o600);
    expect(mode(layout.envFile)).toBe(0o600);
    expect(mode(layout.home)).toBe(0o700);
    expect(JSON.parse(readFileSync(layout.configFile, "utf8"))).toEqual({ server: "https://cp.example.com", desktopId: "vm-1", tokenFile: layout.tokenFile, vnc: "127.0.0.1:5901" });
    expect(readFileSync(layout.envFile, "utf8")).toContain("ANTHROPIC_API_KEY='sk-ant-setup-test'");
    expect(d.output()).toContain("saved ANTHROPIC_API_KEY from this shell's environment");
    expect(d.output()).not.toContain(TOKEN);
    expect(d.output()).not.toContain("sk-ant-setup-test");

    // The launcher runs the installed bundle with DESKFLEET_HOME set and the arguments as given, from a bare environment.
    const ran = spawnSync("/bin/sh", [layout.launcher, "run", "--json", "a b"], { env: { PATH: "/nonexistent" }, encoding: "utf8" });
    expect(ran.status, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ home: prefix, args: ["run", "--json", "a b"] });
    expect(mode(layout.launcher)).toBe(0o755);
  });

  it("keeps the token, the VNC settings and the secrets it is not given when run again", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "dfh-setup-"));
    const first = deps({ stdin: TOKEN, env: { ANTHROPIC_API_KEY: "sk-ant-kept" } });
    expect(await setupCommand(["--server", "https://cp.example.com", "--desktop", "vm-1", "--token-stdin", "--prefix", prefix, "--vnc", "10.0.0.5:5900"], first)).toBe(0);
    const again = deps();
    expect(await setupCommand(["--server", "https://cp2.example.com", "--desktop", "vm-1", "--prefix", prefix], again), again.output()).toBe(0);
    const layout = installLayout(prefix, "linux");
    expect(JSON.parse(readFileSync(layout.configFile, "utf8"))).toMatchObject({ server: "https://cp2.example.com", vnc: "10.0.0.5:5900" });
    expect(readFileSync(layout.tokenFile, "utf8").trim()).toBe(TOKEN);
    expect(readFileSync(layout.envFile, "utf8")).toContain("sk-ant-kept");
  });

  it("warns that the desktop stays view-only when no API key is known", async () => {
    const d = deps({ stdin: TOKEN });
    expect(await setupCommand(["--server", "https://cp.example.com", "--desktop", "vm-1", "--token-stdin", "--prefix", mkdtempSync(join(tmpdir(), "dfh-setup-"))], d)).toBe(0);
    expect(d.output()).toContain("no ANTHROPIC_API_KEY yet: the desktop is view-only");
  });

  it("refuses, installing nothing, without a token, with a malformed one (not echoing it), or when run from the sources", async () => {
    const prefix = join(mkdtempSync(join(tmpdir(), "dfh-setup-")), "p");
    const noToken = deps({ stdin: "" });
    expect(await setupCommand(["--server", "https://cp.example.com", "--desktop", "vm-1", "--token-stdin", "--prefix", prefix], noToken)).toBe(2);
    expect(noToken.output()).toContain("no token on standard input and no terminal to ask on");

    const bad = deps({ stdin: "sk-ant-pasted-the-wrong-thing\n" });
    expect(await setupCommand(["--server", "https://cp.example.com", "--desktop", "vm-1", "--token-stdin", "--prefix", prefix], bad)).toBe(2);
    expect(bad.output()).toContain("a host token starts with dfh_");
    expect(bad.output()).not.toContain("sk-ant-pasted-the-wrong-thing");

    const none = deps();
    expect(await setupCommand(["--server", "https://cp.example.com", "--desktop", "vm-1", "--prefix", prefix], none)).toBe(2);
    expect(none.output()).toContain("no host token: pass --token-stdin");

    const fromSources = deps({ stdin: TOKEN, bundle: null });
    expect(await setupCommand(["--server", "cp.example.com", "--desktop", "VM 1", "--token-stdin", "--prefix", prefix], fromSources)).toBe(2);
    expect(fromSources.output()).toMatch(/--server: must be the control plane's URL[\s\S]*--desktop: a desktop id is[\s\S]*runs from its sources/);
    expect(existsSync(prefix)).toBe(false);
  });

  it("writes a Windows launcher that survives a % in the path", async () => {
    const prefix = join(mkdtempSync(join(tmpdir(), "dfh-setup-")), "100% host");
    mkdirSync(prefix);
    const d = deps({ stdin: TOKEN, platform: "win32", nodePath: "C:\\Program Files\\nodejs\\node.exe" });
    expect(await setupCommand(["--server", "https://cp.example.com", "--desktop", "vm-1", "--token-stdin", "--prefix", prefix], d), d.output()).toBe(0);
    const cmd = readFileSync(installLayout(prefix, "win32").launcher, "utf8");
    expect(cmd).toContain(`set "DESKFLEET_HOME=${prefix.replace("%", "%%")}"`);
    expect(cmd).toContain('"%DESKFLEET_NODE%" "%DESKFLEET_HOME%\\lib\\deskfleet-host.mjs" %*');
    expect(cmd.split("\r\n").length).toBeGreaterThan(5);
  });
});
