import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { api, apiToken, createDesktop, createTask, eventually, hostToken, ORIGIN } from "./support/api.ts";
import { RawSocket } from "./support/raw-socket.ts";
import { TestHost } from "./support/test-host.ts";

const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"), (c) => c.charCodeAt(0));

const beats: ReturnType<typeof setInterval>[] = [];
afterEach(() => {
  for (const b of beats.splice(0)) clearInterval(b);
});

/** The local emulation counts in windows aligned to the minute: start a count well inside one. */
async function freshWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await new Promise((r) => setTimeout(r, left + 100));
}

async function runningTask(desktopId: string) {
  await createDesktop(desktopId);
  const token = await hostToken(desktopId);
  const host = new TestHost(desktopId, token);
  await host.connect();
  beats.push(setInterval(() => host.ws && !host.closed && host.heartbeat(), 300));
  const task = await createTask({ prompt: "work", desktopId });
  await host.next("assign");
  host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
  await host.ackedAtLeast(task.id, 1);
  return { host, token, task };
}

/** The host's ack of exactly `seq` (earlier acks stay where they are). */
async function ackOf(host: TestHost, seq: number) {
  const found = () => host.received.find((m): m is Extract<typeof m, { type: "ack" }> => m.type === "ack" && m.seq === seq);
  return eventually(async () => found(), `the ack of ${seq}`);
}

const upload = (taskId: string, token: string) =>
  SELF.fetch(`${ORIGIN}/api/hosts/tasks/${taskId}/screenshots`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "image/png" }, body: PNG });

describe("a host's uploads", () => {
  it("are refused for a task it no longer runs: no screenshot stored, events acknowledged but not stored, and it is told to stop", { timeout: 30_000 }, async () => {
    const { host, token, task } = await runningTask("limit-ended-1");
    expect((await upload(task.id, token)).status).toBe(201);
    expect((await api("POST", `/api/tasks/${task.id}/cancel`)).status).toBe(200);
    await host.next("cancel");

    const late = await upload(task.id, token);
    expect(late.status).toBe(403);
    expect(((await late.json()) as { error: { message: string } }).error.message).toMatch(/cancelled, not running/);
    host.sendEvents(task.id, [
      { seq: 2, kind: "assistant_text", data: { text: "still typing into the bank form", step: 2 } },
      { seq: 3, kind: "screenshot", data: { key: `tasks/${task.id}/0000000002-bbbbbbbb.png`, width: 1, height: 1, step: 2 } },
    ]);
    const ack = await ackOf(host, 3);
    expect(ack.refused?.map((r) => r.seq)).toEqual([2, 3]);
    expect((await host.next("cancel")).reason).toMatch(/already cancelled/);
    const kinds = (await api("GET", `/api/tasks/${task.id}/events`)).json.items.map((e: { kind: string }) => e.kind);
    expect(kinds).not.toContain("assistant_text");
    expect(kinds.filter((k: string) => k === "screenshot")).toHaveLength(0);
  });

  it("are limited to 120 screenshots a minute per task (429 with Retry-After and the JSON error)", { timeout: 60_000 }, async () => {
    await freshWindow();
    const { host, token, task } = await runningTask("limit-shots-1");
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      // Progress now and then, or the tests' 3 s inactivity timeout would end the task meanwhile.
      if (i % 10 === 0) host.sendEvents(task.id, [{ seq: 2 + i / 10, kind: "log", data: { level: "info", message: `uploading ${i}` } }]);
      statuses.push((await upload(task.id, token)).status);
    }
    expect(statuses.every((s) => s === 201)).toBe(true);
    const limited = await upload(task.id, token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await limited.json()).toEqual({ error: { code: "rate_limited", message: "too many screenshots uploaded for this task; wait 60 s and retry" } });
  });
});

describe("questions an agent asks people", () => {
  it("stop at the task's limit (20): the next question is not asked and the agent is told to proceed", async () => {
    const { host, task } = await runningTask("limit-help-1");
    host.sendEvents(task.id, Array.from({ length: 21 }, (_, i) => ({ seq: i + 2, kind: "help_request" as const, data: { requestId: `limit-help-${String(i).padStart(3, "0")}`, question: `Question ${i}?` } })));
    const ack = await ackOf(host, 22);
    expect(ack.refused).toEqual([{ seq: 22, reason: "help request limit-help-020 not asked: this task already asked 20 questions" }]);
    const told = await host.next("help_answer");
    expect(told).toMatchObject({ requestId: "limit-help-020", status: "dismissed" });
    expect(told.answer).toMatch(/limit; nobody was asked/);
    const open = (await api("GET", `/api/help-requests?taskId=${task.id}&limit=200`)).json.items as { id: string }[];
    expect(open).toHaveLength(20);
    expect(open.map((h) => h.id)).not.toContain("limit-help-020");
  });
});

describe("rate limits", () => {
  it("answer failed authentications from one address beyond 20 a minute with 429, Retry-After and the JSON error; other addresses are not affected", { timeout: 60_000 }, async () => {
    await freshWindow();
    const from = { "cf-connecting-ip": "203.0.113.77" };
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await api("GET", "/api/tasks", { token: `dft_guess-${i}`, headers: from })).status);
    expect(statuses.every((s) => s === 401)).toBe(true);
    const limited = await api("GET", "/api/tasks", { token: "dft_guess-21", headers: from });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.json).toEqual({ error: { code: "rate_limited", message: "too many failed authentications from your address; wait 60 s and retry" } });
    // Sign-in attempts and host tokens count as failures too.
    expect((await api("POST", "/api/session", { token: null, headers: from, body: { token: "dft_guess-22" } })).status).toBe(429);
    expect((await api("GET", "/api/hosts/connect", { token: "dfh_guess-23", headers: from })).status).toBe(429);
    expect((await api("GET", "/api/tasks", { token: "dft_guess-24", headers: { "cf-connecting-ip": "203.0.113.78" } })).status).toBe(401);
  });

  it("limit desktop screenshots to 60 and input to 600 a minute per identity", { timeout: 120_000 }, async () => {
    await createDesktop("limit-desk-1");
    const operator = await apiToken("operator");
    await freshWindow();
    for (let i = 0; i < 60; i++) expect((await api("GET", "/api/desktops/limit-desk-1/screenshot", { token: operator })).status).toBe(409);
    const shot = await api("GET", "/api/desktops/limit-desk-1/screenshot", { token: operator });
    expect(shot.status).toBe(429);
    expect(shot.headers.get("retry-after")).toBe("60");
    expect(shot.json.error.code).toBe("rate_limited");
    // Another identity has its own count.
    expect((await api("GET", "/api/desktops/limit-desk-1/screenshot", { token: await apiToken("viewer") })).status).toBe(409);

    const move = { action: "move", x: 1, y: 1 };
    for (let i = 0; i < 600; i++) {
      const res = await api("POST", "/api/desktops/limit-desk-1/input", { token: operator, body: move });
      if (res.status !== 409) throw new Error(`input ${i}: ${res.status} ${res.text}`);
    }
    const input = await api("POST", "/api/desktops/limit-desk-1/input", { token: operator, body: move });
    expect(input.status).toBe(429);
    expect(input.json.error.code).toBe("rate_limited");
  });
});

describe("live views", () => {
  it("are limited to 4 per person on one desktop (the 16 per desktop stay), the fifth closed with 4429", async () => {
    const { host } = await runningTask("limit-viewers-1");
    const viewer = await apiToken("viewer");
    const open: RawSocket[] = [];
    for (let i = 0; i < 4; i++) {
      open.push(await RawSocket.open("/api/desktops/limit-viewers-1/vnc", { authorization: `Bearer ${viewer}` }));
      await host.next("tunnel_open");
    }
    const fifth = await RawSocket.open("/api/desktops/limit-viewers-1/vnc", { authorization: `Bearer ${viewer}` });
    const closed = await fifth.waitClosed();
    expect(closed.code).toBe(CloseCode.tooManyViewers);
    expect(closed.reason).toMatch(/already has 4 live views/);
    const someoneElse = await RawSocket.open("/api/desktops/limit-viewers-1/vnc", { authorization: `Bearer ${await apiToken("viewer")}` });
    await host.next("tunnel_open");
    expect(someoneElse.closed).toBeNull();
    for (const s of [...open, someoneElse]) s.close();
  });
});
