import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { ROOT } from "../../scripts/lib/local-control-plane.ts";

// The documented key rotation, end to end against the real Worker: the old
// key becomes DESKFLEET_SECRET_KEY_PREVIOUS, `npm run secrets:rekey` re-seals
// everything, the previous key goes away, and every value still works.

const PASSWORD = "rotate-me-please-42";
let cp: TestControlPlane;
let envFile: string;

beforeAll(async () => {
  cp = await startTestControlPlane();
  envFile = join(cp.persistTo, "test.dev.vars");
});
afterAll(async () => {
  await cp?.dispose();
});

function setKeys(current: string, previous?: string): void {
  const admin = /DESKFLEET_ADMIN_TOKEN=(.*)/.exec(readFileSync(envFile, "utf8"))![1]!;
  writeFileSync(envFile, `DESKFLEET_ADMIN_TOKEN=${admin}\nDESKFLEET_SECRET_KEY=${current}\n${previous ? `DESKFLEET_SECRET_KEY_PREVIOUS=${previous}\n` : ""}`);
}

function rekey(): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "secrets-rekey.ts"), "--url", cp.url, "--vars-file", envFile], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "" } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Runs a task on a raw protocol host and asks for the secret as deskfleet-host would. */
async function releasedValue(desktopId: string, name: string): Promise<unknown> {
  expect((await cp.api("POST", "/api/desktops", { id: desktopId })).status).toBe(201);
  const token = (await cp.api("POST", `/api/desktops/${desktopId}/host-token`)).json.token as string;
  const ws = new WebSocket(`${cp.url.replace("http", "ws")}/api/hosts/connect`, { headers: { authorization: `Bearer ${token}`, "x-deskfleet-desktop": desktopId } });
  const inbox: any[] = [];
  ws.on("message", (d) => inbox.push(JSON.parse(String(d))));
  await new Promise((ok, fail) => (ws.once("open", ok), ws.once("error", fail)));
  const next = async (type: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`no ${type}; got ${JSON.stringify(inbox.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    ws.send(JSON.stringify({ type: "hello", protocolVersion: 1, desktopId, capabilities: { screen: null, os: "linux", hostVersion: "test", vnc: { reachable: true }, tools: [] }, activeTasks: [] }));
    await next("welcome");
    const task = (await cp.api("POST", "/api/tasks", { prompt: `type {{secret:${name}}}`, desktopId })).json;
    await next("assign");
    ws.send(JSON.stringify({ type: "secret_request", requestId: "r1", taskId: task.id, name }));
    return (await next("secret_response")).result;
  } finally {
    ws.close();
  }
}

describe("rotating DESKFLEET_SECRET_KEY", () => {
  it("re-seals the vault and VNC credentials under the new key with npm run secrets:rekey, and every value still works", async () => {
    const oldKey = /DESKFLEET_SECRET_KEY=(.*)/.exec(readFileSync(envFile, "utf8"))![1]!;
    expect((await cp.api("POST", "/api/secrets", { name: "rotated", kind: "password", value: PASSWORD })).status).toBe(201);
    expect((await cp.api("POST", "/api/desktops", { id: "vnc-only", vncUrl: "vnc://:vnc-pass-123@127.0.0.1:5999" })).json.hasVncPassword).toBe(true);

    const newKey = randomBytes(32).toString("base64url");
    setKeys(newKey, oldKey);
    await cp.restart();
    const first = rekey();
    expect(first.out).toContain("Re-sealed 1 vault secret(s) and 1 desktop VNC credential(s) under the current DESKFLEET_SECRET_KEY");
    expect(first.status).toBe(0);
    expect(first.out).not.toContain(PASSWORD);

    // The previous key is gone: values sealed under it would no longer open, but none are left.
    setKeys(newKey);
    await cp.restart();
    expect(rekey().out).toContain("Re-sealed 0 vault secret(s) and 0 desktop VNC credential(s)");
    expect(await releasedValue("after-rotation", "rotated")).toEqual({ ok: true, kind: "password", value: PASSWORD });
  }, 180_000);

  it("names what neither key opens and exits non-zero, so a person sets it again", async () => {
    expect((await cp.api("POST", "/api/secrets", { name: "orphan", kind: "text", value: "orphaned-value" })).status).toBe(201);
    setKeys(randomBytes(32).toString("base64url"));
    await cp.restart();
    const r = rekey();
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/opens: .*secret orphan/);
  }, 120_000);
});
