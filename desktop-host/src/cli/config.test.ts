import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isComplete, parseHostArgs } from "./config.ts";

const TOKEN = "dfh_abcdefghijklmnopqrstuvwx";
const messages = (r: ReturnType<typeof parseHostArgs>) => r.problems.map((p) => p.message);
/** Only the problems with the VNC settings (the required server, desktop and token are left out on purpose). */
const vncMessages = (r: ReturnType<typeof parseHostArgs>) => r.problems.filter((p) => p.field === "vnc").map((p) => p.message);

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
      "set DESKFLEET_HOST_TOKEN (or --token-file) to the desktop's host token from the dashboard",
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

  it("take the VNC user name, allowed security methods and certificate trust from flags and environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "dfh-args-"));
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    writeFileSync(join(dir, "ca.pem"), ca);
    const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, "0").toUpperCase()).join(":");
    const r = parseHostArgs(["run", "--vnc-user", "ada", "--vnc-security", "x509vnc, VncAuth", "--vnc-tls-ca", join(dir, "ca.pem")], { DESKFLEET_VNC_TLS_FINGERPRINT: fingerprint, DESKFLEET_VNC_USER: "ignored" });
    expect(vncMessages(r)).toEqual([]);
    expect(r.config.vnc).toEqual({ host: "localhost", port: 5900, username: "ada", security: ["X509Vnc", "VncAuth"], tls: { ca, fingerprint } });
  });

  it("accept a vnc:// URL with a user name and ?security=, and refuse one carrying the password", () => {
    expect(parseHostArgs(["run", "--vnc", "vnc://ada@mac-mini.local?security=ARD,VncAuth"], {}).config.vnc).toEqual({ host: "mac-mini.local", port: 5900, username: "ada", security: ["ARD", "VncAuth"] });
    expect(parseHostArgs(["run", "--vnc", "vnc://[::1]:5901"], {}).config.vnc).toEqual({ host: "::1", port: 5901 });
    const withPassword = parseHostArgs(["run", "--vnc", "vnc://ada:hunter22@mac:5900"], {});
    expect(vncMessages(withPassword)).toEqual(["--vnc / DESKFLEET_VNC: must not carry the VNC password (anyone can read it in ps); use --vnc-password-file or DESKFLEET_VNC_PASSWORD"]);
    expect(messages(withPassword).join()).not.toContain("hunter22");
  });

  it("explain an unknown security method, a malformed fingerprint and a CA file without a certificate", () => {
    const dir = mkdtempSync(join(tmpdir(), "dfh-args-"));
    writeFileSync(join(dir, "not-a-ca"), "hello\n");
    const r = parseHostArgs(["run", "--vnc-security", "X509Vnc,RA2", "--vnc-tls-fingerprint", "AB:CD", "--vnc-tls-ca", join(dir, "not-a-ca")], {});
    expect(vncMessages(r)).toEqual([
      '--vnc-security / DESKFLEET_VNC_SECURITY: unknown VNC security method "RA2"; use any of X509Plain, X509Vnc, X509None, TLSPlain, TLSVnc, TLSNone, ARD, VncAuth, None',
      "--vnc-tls-fingerprint / DESKFLEET_VNC_TLS_FINGERPRINT must be the certificate's SHA-256 fingerprint, e.g. AB:CD:…:EF (openssl x509 -noout -fingerprint -sha256 -in cert.pem)",
      `--vnc-tls-ca ${join(dir, "not-a-ca")} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    expect(vncMessages(parseHostArgs(["run", "--vnc-security", " , "], {}))[0]).toMatch(/list at least one VNC security method/);
  });

  it("reject unknown flags with a pointer to --help", () => {
    const r = parseHostArgs(["run", "--sever", "x"], {});
    expect(messages(r)[0]).toMatch(/Unknown option '--sever'.*see deskfleet-host --help/);
    expect(parseHostArgs(["--help"], {}).help).toBe(true);
  });

  it("take an installed host's settings from DESKFLEET_HOME/config.json and its token file, under the environment and the flags", () => {
    const home = mkdtempSync(join(tmpdir(), "dfh-home-"));
    const tokenFile = join(home, "host-token");
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: "https://cp.example.com", desktopId: "vm-1", tokenFile, vnc: "127.0.0.1:5901" }));
    const installed = parseHostArgs(["run"], { DESKFLEET_HOME: home });
    expect(installed.problems).toEqual([]);
    expect(installed.warnings).toEqual([]);
    expect(installed.tokenFile).toBe(tokenFile);
    expect(installed.config).toMatchObject({ server: "https://cp.example.com", desktopId: "vm-1", token: TOKEN, vnc: { host: "127.0.0.1", port: 5901 } });

    const other = "dfh_fromTheEnvironment000000";
    const overridden = parseHostArgs(["run", "--vnc", "localhost:5999"], { DESKFLEET_HOME: home, DESKFLEET_HOST_TOKEN: other, DESKFLEET_SERVER: "https://other.example.com" });
    expect(overridden.config).toMatchObject({ server: "https://other.example.com", token: other, vnc: { host: "localhost", port: 5999 } });
    expect(overridden.tokenFile).toBeUndefined();
  });

  it("warn about a token file others can read, and say which file could not be read", () => {
    const dir = mkdtempSync(join(tmpdir(), "dfh-token-"));
    const shared = join(dir, "token");
    writeFileSync(shared, TOKEN);
    chmodSync(shared, 0o644);
    const r = parseHostArgs(["run", "--token-file", shared], { DESKFLEET_HOST_TOKEN: "dfh_flagFileWinsOverThis0000" });
    expect(r.config.token).toBe(TOKEN);
    expect(r.warnings).toEqual([`the host token file ${shared} is readable by other users: chmod 600 ${shared}`]);
    const missing = parseHostArgs(["run"], { DESKFLEET_HOST_TOKEN_FILE: join(dir, "nope") });
    expect(messages(missing)).toContain(`cannot read the host token file ${join(dir, "nope")}: ENOENT`);
  });

  it("report a config.json that is not the installer's, instead of ignoring it", () => {
    const home = mkdtempSync(join(tmpdir(), "dfh-home-"));
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: "https://cp.example.com", desktop: "vm-1" }));
    expect(messages(parseHostArgs(["run"], { DESKFLEET_HOME: home })).join("\n")).toMatch(/config\.json: desktopId: .*run the installer again/);
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

  it("refuse an http:// control plane that is not this machine, since the host token would travel in clear", () => {
    for (const server of ["http://deskfleet.example.com", "ws://10.0.0.5:8787", "http://127.0.0.1.evil.example", "http://[::2]:8787"]) {
      const r = parseHostArgs(["run", "--server", server, "--desktop", "vm-1", "--token", TOKEN], {});
      expect(messages(r).join("\n"), server).toContain("must use https:// (http:// would send the host token unencrypted)");
      expect(isComplete(r.config, r.problems), server).toBe(false);
    }
    for (const server of ["https://deskfleet.example.com", "http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787", "wss://cp.example.com"]) {
      expect(parseHostArgs(["run", "--server", server, "--desktop", "vm-1", "--token", TOKEN], {}).problems, server).toEqual([]);
    }
  });
});
