import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isComplete, parseHostArgs } from "./config.ts";

const TOKEN = "dfh_abcdefghijklmnopqrstuvwx";
const messages = (r: ReturnType<typeof parseHostArgs>) => r.problems.map((p) => p.message);

describe("deskfleet-host arguments", () => {
  it("take everything from flags, with VNC defaulting to localhost:5900", () => {
    const r = parseHostArgs(["run", "--server", "https://cp.example.com", "--desktop", "mac-studio", "--token", TOKEN, "--model", "claude-x", "--json"], {});
    expect(r.command).toBe("run");
    expect(r.problems).toEqual([]);
    expect(isComplete(r.config, r.problems)).toBe(true);
    expect(r.config).toEqual({ server: "https://cp.example.com", desktopId: "mac-studio", token: TOKEN, vnc: { host: "localhost", port: 5900 }, vncPassword: undefined, model: "claude-x", json: true });
  });

  it("fall back to environment variables, and flags win over them", () => {
    const env = { DESKFLEET_SERVER: "http://127.0.0.1:8787", DESKFLEET_DESKTOP_ID: "from-env", DESKFLEET_HOST_TOKEN: TOKEN, DESKFLEET_VNC: "[::1]:5901", DESKFLEET_VNC_PASSWORD: "pw", DESKFLEET_LOG_FORMAT: "json" };
    const r = parseHostArgs(["run", "--desktop", "from-flag"], env);
    expect(r.problems).toEqual([]);
    expect(r.config).toMatchObject({ server: "http://127.0.0.1:8787", desktopId: "from-flag", token: TOKEN, vnc: { host: "::1", port: 5901 }, vncPassword: "pw", json: true });
  });

  it("say what to set when required settings are missing", () => {
    const r = parseHostArgs(["run"], {});
    expect(isComplete(r.config, r.problems)).toBe(false);
    expect(messages(r)).toEqual([
      "set --server or DESKFLEET_SERVER to the control plane's URL (e.g. https://deskfleet.example.com)",
      "set --desktop or DESKFLEET_DESKTOP_ID to this desktop's id as shown in the dashboard",
      "set DESKFLEET_HOST_TOKEN (or --token) to the desktop's host token from the dashboard",
    ]);
  });

  it("explain malformed values without echoing the token", () => {
    const r = parseHostArgs(["run", "--server", "cp.example.com", "--desktop", "Mac Studio", "--token", "sk-not-a-host-token", "--vnc", "localhost"], {});
    const all = messages(r).join("\n");
    expect(all).toContain("--server / DESKFLEET_SERVER must be the control plane's URL");
    expect(all).toContain("a desktop id is 1-63 lowercase letters");
    expect(all).toContain("a host token starts with dfh_");
    expect(all).toContain("use host:port, e.g. localhost:5900");
    expect(all).not.toContain("sk-not-a-host-token");
    expect(parseHostArgs(["run", "--vnc", "host:70000"], {}).problems.some((p) => p.message.includes("1-65535"))).toBe(true);
  });

  it("read the VNC password from a file, without its trailing newline, and report an unreadable file", () => {
    const dir = mkdtempSync(join(tmpdir(), "dfh-args-"));
    writeFileSync(join(dir, "pw"), "s3cret \n");
    expect(parseHostArgs(["run", "--vnc-password-file", join(dir, "pw")], { DESKFLEET_VNC_PASSWORD: "ignored" }).config.vncPassword).toBe("s3cret ");
    const missing = parseHostArgs(["run", "--vnc-password-file", join(dir, "nope")], {});
    expect(messages(missing)).toContain(`cannot read --vnc-password-file ${join(dir, "nope")}: ENOENT`);
  });

  it("reject unknown flags with a pointer to --help", () => {
    const r = parseHostArgs(["run", "--sever", "x"], {});
    expect(messages(r)[0]).toMatch(/Unknown option '--sever'.*see deskfleet-host --help/);
    expect(parseHostArgs(["--help"], {}).help).toBe(true);
  });

  it("take the tools beyond the screen the owner allows, and say what a tool needs", () => {
    const base = ["run", "--server", "https://cp.example.com", "--desktop", "d1", "--token", TOKEN];
    const ok = parseHostArgs([...base, "--allow", "shell, files,browser", "--cdp", "9222", "--files-root", "/srv/a", "--files-root", "/srv/b"], {});
    expect(ok.problems).toEqual([]);
    expect(ok.config).toMatchObject({ allow: ["shell", "files", "browser"], cdp: "http://127.0.0.1:9222", filesRoots: ["/srv/a", "/srv/b"] });
    expect(parseHostArgs(base, {}).config.allow).toBeUndefined();
    expect(messages(parseHostArgs([...base, "--allow", "shell,root"], {}))).toEqual(['--allow / DESKFLEET_ALLOW: "root" is not a tool; allow any of shell, files, browser, web, mcp, mcp:<server>']);
    expect(messages(parseHostArgs([...base, "--allow", "browser"], {}))).toEqual(["--allow browser needs --cdp: start Chromium with --remote-debugging-port=9222 and pass --cdp 9222"]);
    expect(messages(parseHostArgs(base, { DESKFLEET_ALLOW: "mcp:github" }))).toEqual(["--allow mcp needs --mcp-config <file> listing the MCP servers (see deskfleet-host --help)"]);
  });
});
