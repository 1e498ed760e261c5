import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readGatewayFile } from "./gateway-file.ts";

const TOKEN_A = "dfh_aaaaaaaaaaaaaaaaaaaa";
const TOKEN_B = "dfh_bbbbbbbbbbbbbbbbbbbb";

function write(files: Record<string, string>, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), "df-gw-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
  chmodSync(join(dir, "desktops.json"), mode);
  return join(dir, "desktops.json");
}

describe("a gateway's desktops file", () => {
  it("gives each desktop its own id, host token, VNC server and password, with paths relative to the file", () => {
    const path = write({
      "desktops.json": JSON.stringify({
        server: "https://cp.example.com",
        desktops: [
          { id: "lab-1", vnc: "192.168.1.20:5900", tokenFile: "lab-1.token", vncPasswordFile: "lab-1.vnc" },
          { id: "mac-mini", vnc: "vnc://ada@192.168.1.30", token: TOKEN_B, vncPassword: "pw2", vncSecurity: "ard", model: "claude-x" },
        ],
      }),
      "lab-1.token": `${TOKEN_A}\n`,
      "lab-1.vnc": "pw1\n",
    }, 0o600);
    const r = readGatewayFile(path);
    expect(r).toEqual({
      config: {
        server: "https://cp.example.com",
        desktops: [
          { desktopId: "lab-1", token: TOKEN_A, vnc: { host: "192.168.1.20", port: 5900 }, vncPassword: "pw1", model: undefined },
          { desktopId: "mac-mini", token: TOKEN_B, vnc: { host: "192.168.1.30", port: 5900, username: "ada", security: ["ARD"] }, vncPassword: "pw2", model: "claude-x" },
        ],
      },
    });
  });

  it("refuses secrets in a file others can read, a repeated id, a missing token and a bad address, each named", () => {
    const path = write({
      "desktops.json": JSON.stringify({
        desktops: [
          { id: "lab-1", vnc: "192.168.1.20:5900", token: TOKEN_A },
          { id: "lab-1", vnc: "192.168.1.21:5900", tokenFile: "missing.token" },
          { id: "lab-3", vnc: "no port here" },
        ],
      }),
    }, 0o644);
    const r = readGatewayFile(path);
    expect("problems" in r).toBe(true);
    const text = "problems" in r ? r.problems.join("\n") : "";
    expect(text).toMatch(/desktops\.0 \(lab-1\): holds a secret .* chmod 600/);
    expect(text).toMatch(/desktops\.1 \(lab-1\): the id is listed twice/);
    expect(text).toMatch(/desktops\.1 \(lab-1\): cannot read tokenFile .*missing\.token: ENOENT/);
    expect(text).toMatch(/desktops\.2 \(lab-3\): give its host token/);
    expect(text).toMatch(/desktops\.2 \(lab-3\): vnc /);
  });

  it("says what is wrong with a file that is not the expected JSON", () => {
    expect(readGatewayFile(write({ "desktops.json": "{" }))).toMatchObject({ problems: [expect.stringMatching(/is not JSON/)] });
    expect(readGatewayFile(write({ "desktops.json": JSON.stringify({ desktops: [], extra: 1 }) }))).toMatchObject({ problems: expect.arrayContaining([expect.stringMatching(/list at least one desktop/)]) });
    expect(readGatewayFile("/nonexistent/desktops.json")).toEqual({ problems: ["cannot read --desktops /nonexistent/desktops.json: ENOENT"] });
  });
});
