import { describe, expect, it, onTestFinished } from "vitest";
import { base32Encode, parseTotpSeed } from "@deskfleet/protocol";
import { api, apiToken, createDesktop, createTask, env, eventually, hostToken, taskStatus } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";
import { totpCode } from "../../domain/vault/totp.ts";
import { rekeyAll } from "../../domain/vault/rekey.ts";
import { open } from "../../domain/crypto/secret-box.ts";
import { desktopObject } from "../../domain/addresses.ts";

const PASSWORD = "correct-horse-battery";
const SEED = base32Encode(new TextEncoder().encode("12345678901234567890"));

async function addSecret(body: Record<string, unknown>) {
  const res = await api("POST", "/api/secrets", { body });
  if (res.status !== 201) throw new Error(`create secret: ${res.status} ${res.text}`);
  return res.json;
}

/** The test's heartbeat timeout is 1.5 s: an idle host keeps beating, as deskfleet-host does, until the test ends. */
function keepBeating(...hosts: TestHost[]): void {
  const beats = setInterval(() => hosts.forEach((h) => h.ws && h.heartbeat()), 400);
  onTestFinished(() => clearInterval(beats));
}

async function runningTask(desktopId: string, prompt: string, labels: string[] = []) {
  await createDesktop(desktopId, { labels });
  const host = new TestHost(desktopId, await hostToken(desktopId));
  await host.connect();
  keepBeating(host);
  const task = await createTask({ prompt, desktopId });
  const assign = await host.next("assign");
  host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
  await host.ackedAtLeast(task.id, 1);
  return { host, task, assign };
}

async function release(host: TestHost, taskId: string, name: string) {
  const requestId = crypto.randomUUID();
  host.send({ type: "secret_request", requestId, taskId, name });
  const res = await host.next("secret_response");
  expect(res.requestId).toBe(requestId);
  return res.result;
}

describe("the secrets API", () => {
  it("stores a secret sealed and answers with metadata only, in every route and role", async () => {
    const created = await api("POST", "/api/secrets", { body: { name: "api-github", kind: "password", value: PASSWORD, description: "GitHub login", scope: "global" } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "api-github", kind: "password", description: "GitHub login", scope: "global", exclusive: false, createdBy: "admin", rotatedAt: null, lastUsedAt: null });
    const operator = await apiToken("operator");
    const listed = await api("GET", "/api/secrets", { token: operator });
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((s: { name: string }) => s.name)).toContain("api-github");
    const one = await api("GET", "/api/secrets/api-github", { token: operator });
    const rotated = await api("PUT", "/api/secrets/api-github", { body: { value: `${PASSWORD}-2` } });
    expect(rotated.json.rotatedAt).toBeGreaterThan(0);
    const duplicate = await api("POST", "/api/secrets", { body: { name: "api-github", kind: "password", value: PASSWORD } });
    expect(duplicate.status).toBe(409);
    for (const r of [created, listed, one, rotated, duplicate]) expect(r.text).not.toContain(PASSWORD);

    const row = await env.DB.prepare("SELECT sealed FROM secrets WHERE name = 'api-github'").first<{ sealed: string }>();
    expect(row!.sealed.startsWith("v2.")).toBe(true);
    expect(row!.sealed).not.toContain(PASSWORD);
    expect(await open(env, "vault-secret", row!.sealed, "api-github")).toBe(`${PASSWORD}-2`);
  });

  it("lets only admins add, rotate and delete secrets, and only operators and up read their names", async () => {
    const operator = await apiToken("operator");
    const viewer = await apiToken("viewer");
    expect((await api("POST", "/api/secrets", { token: operator, body: { name: "op-made", kind: "text", value: "abcd-efgh" } })).status).toBe(403);
    expect((await api("GET", "/api/secrets", { token: viewer })).status).toBe(403);
    await addSecret({ name: "to-delete", kind: "text", value: "abcd-efgh" });
    expect((await api("DELETE", "/api/secrets/to-delete", { token: operator })).status).toBe(403);
    expect((await api("DELETE", "/api/secrets/to-delete")).json).toEqual({ deleted: true, name: "to-delete" });
    expect((await api("GET", "/api/secrets/to-delete")).status).toBe(404);
  });

  it.each([
    ["an unknown kind", { name: "bad-1", kind: "pin", value: "abcd-efgh" }, /kind/],
    ["an empty value", { name: "bad-2", kind: "password", value: "" }, /value: value must not be empty/],
    ["a TOTP seed that is not base32", { name: "bad-3", kind: "totp", value: "not base32 at all!" }, /value: a TOTP seed must be base32/],
    ["a scope naming unknown desktops", { name: "bad-4", kind: "password", value: "abcd-efgh", scope: { desktops: ["no-such-desktop"] } }, /scope\.desktops\.0: desktop `no-such-desktop` does not exist/],
    ["a scope naming unknown schedules", { name: "bad-5", kind: "password", value: "abcd-efgh", scope: { schedules: ["sch_nope000000"] } }, /scope\.schedules\.0/],
    ["an empty limited scope", { name: "bad-6", kind: "password", value: "abcd-efgh", scope: {} }, /scope/],
  ])("refuses %s with a 422 naming the field, and stores nothing", async (_what, body, message) => {
    const res = await api("POST", "/api/secrets", { body });
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(message);
    expect(res.text).not.toContain("abcd-efgh");
    expect((await api("GET", `/api/secrets/${body.name}`)).status).toBe(404);
  });

  it("refuses a rotation whose value does not fit the kind, and keeps the old value", async () => {
    await addSecret({ name: "rotate-otp", kind: "totp", value: SEED });
    const res = await api("PUT", "/api/secrets/rotate-otp", { body: { value: "0000 not base32" } });
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(/value: /);
    const row = await env.DB.prepare("SELECT sealed FROM secrets WHERE name = 'rotate-otp'").first<{ sealed: string }>();
    expect(await open(env, "vault-secret", row!.sealed, "rotate-otp")).toBe(SEED);
  });

  it("refuses a task or schedule whose prompt names a secret the vault does not hold, creating nothing", async () => {
    await createDesktop("vault-unknown");
    const before = (await api("GET", "/api/tasks?limit=200")).json.items.length;
    const res = await api("POST", "/api/tasks", { body: { prompt: "log in with {{secret:nope}}", desktopId: "vault-unknown" } });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: "unknown_secret", message: expect.stringMatching(/prompt names secret `nope`/) });
    expect((await api("GET", "/api/tasks?limit=200")).json.items.length).toBe(before);
    const schedule = await api("POST", "/api/schedules", { body: { name: "s", prompt: "use {{secret:nope}}", intervalMinutes: 60 } });
    expect(schedule.status).toBe(422);
  });

  it("re-seals every stored value under a new key, opening the old ones with the previous key", async () => {
    await addSecret({ name: "rekey-me", kind: "password", value: PASSWORD });
    const rotated = { DB: env.DB, DESKFLEET_SECRET_KEY: "a-brand-new-key-0123456789abcdef", DESKFLEET_SECRET_KEY_PREVIOUS: env.DESKFLEET_SECRET_KEY };
    const first = await rekeyAll(rotated);
    expect(first.resealed.secrets).toBeGreaterThan(0);
    expect(first.unreadable).toEqual([]);
    const row = await env.DB.prepare("SELECT sealed FROM secrets WHERE name = 'rekey-me'").first<{ sealed: string }>();
    expect(await open({ DESKFLEET_SECRET_KEY: rotated.DESKFLEET_SECRET_KEY }, "vault-secret", row!.sealed, "rekey-me")).toBe(PASSWORD);
    expect((await rekeyAll(rotated)).resealed.secrets).toBe(0);
    // Back to the test key, so the other tests still open what they stored.
    await rekeyAll({ DB: env.DB, DESKFLEET_SECRET_KEY: env.DESKFLEET_SECRET_KEY, DESKFLEET_SECRET_KEY_PREVIOUS: rotated.DESKFLEET_SECRET_KEY });
  });
});

describe("typing secrets on a desktop", () => {
  it("tells the host only the names and descriptions in the task's scope, and releases a value to it once, audited", async () => {
    await createDesktop("vault-elsewhere");
    await addSecret({ name: "host-github", kind: "password", value: PASSWORD, description: "GitHub login for ada" });
    await addSecret({ name: "host-finance", kind: "password", value: "finance-only-pw", scope: { labels: ["finance"] } });
    await addSecret({ name: "host-other", kind: "password", value: "other-desktop-pw", scope: { desktops: ["vault-elsewhere"] } });
    const { host, task, assign } = await runningTask("vault-host-1", "Log in with {{secret:host-github}}.", ["finance"]);

    const names = assign.task.secrets.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["host-github", "host-finance"]));
    expect(names).not.toContain("host-other");
    expect(assign.task.secrets.find((s) => s.name === "host-github")).toEqual({ name: "host-github", kind: "password", description: "GitHub login for ada" });
    expect(JSON.stringify(assign)).not.toContain(PASSWORD);

    expect(await release(host, task.id, "host-github")).toEqual({ ok: true, kind: "password", value: PASSWORD });
    const refused = await release(host, task.id, "host-other");
    expect(refused).toMatchObject({ ok: false, error: { code: "not_in_scope", message: expect.stringMatching(/no secret named `host-other`.*`host-github`/) } });
    expect(refused.ok === false && refused.available).toContain("host-github");
    expect(refused.ok === false && refused.available).not.toContain("host-other");

    const meta = (await api("GET", "/api/secrets/host-github")).json;
    expect(meta).toMatchObject({ lastUsedTaskId: task.id, lastUsedDesktopId: "vault-host-1", lastUsedBy: `task:${task.id}` });
    const releases = (await api("GET", "/api/secrets/host-github/releases")).json.items;
    expect(releases).toEqual([{ at: meta.lastUsedAt, actor: `task:${task.id}`, taskId: task.id, desktopId: "vault-host-1", via: "type_secret" }]);
    expect((await api("GET", "/api/secrets/host-other/releases")).json.items).toEqual([]);
  });

  it("types the current TOTP code, never the seed", async () => {
    await addSecret({ name: "host-otp", kind: "totp", value: `otpauth://totp/Ada?secret=${SEED}&digits=8` });
    const { host, task } = await runningTask("vault-host-2", "Enter the code.");
    const before = Date.now();
    const r = await release(host, task.id, "host-otp");
    const seed = parseTotpSeed(`otpauth://totp/Ada?secret=${SEED}&digits=8`);
    if (!seed.ok || !r.ok) throw new Error("no code");
    expect(r.kind).toBe("totp");
    expect([await totpCode(seed.seed, before), await totpCode(seed.seed, Date.now())]).toContain(r.value);
    expect(r.value).toMatch(/^\d{8}$/);
  });

  it("releases nothing to a desktop that is not running the task, or after the task ended", async () => {
    await addSecret({ name: "host-guarded", kind: "password", value: "guarded-password" });
    const { host, task } = await runningTask("vault-host-3", "Work.");
    await createDesktop("vault-intruder");
    const intruder = new TestHost("vault-intruder", await hostToken("vault-intruder"));
    await intruder.connect();
    keepBeating(intruder);
    expect(await release(intruder, task.id, "host-guarded")).toMatchObject({ ok: false, error: { code: "not_in_scope" } });
    host.sendEvents(task.id, [{ seq: 2, kind: "completed", data: { result: "done" } }]);
    await host.ackedAtLeast(task.id, 2);
    expect(await release(host, task.id, "host-guarded")).toMatchObject({ ok: false });
  });

  it("stores host events with any value in scope replaced by its label", async () => {
    await addSecret({ name: "host-leaky", kind: "password", value: "leaky-password-99" });
    const { host, task } = await runningTask("vault-host-4", "Work.");
    host.sendEvents(task.id, [
      { seq: 2, kind: "assistant_text", data: { text: "The password is leaky-password-99, typing it", step: 1 } },
      { seq: 3, kind: "secret_typed", data: { name: "host-leaky", source: "vault", characters: 17, step: 1 } },
      { seq: 4, kind: "completed", data: { result: "used leaky-password-99" } },
    ]);
    await host.ackedAtLeast(task.id, 4);
    const events = (await api("GET", `/api/tasks/${task.id}/events`)).json.items;
    expect(events.find((e: { kind: string }) => e.kind === "assistant_text").data.text).toBe("The password is [secret:host-leaky], typing it");
    expect(events.find((e: { kind: string }) => e.kind === "secret_typed").data).toEqual({ name: "host-leaky", source: "vault", characters: 17, step: 1 });
    expect((await api("GET", `/api/tasks/${task.id}`)).json.result).toBe("used [secret:host-leaky]");
    const d1 = await env.DB.prepare("SELECT payload, text FROM task_events WHERE task_id = ?").bind(task.id).all();
    expect(JSON.stringify(d1.results)).not.toContain("leaky-password-99");
  });
});

describe("secret help answers", () => {
  it("hands the answer to the host only, stores [secret answer] everywhere, and redelivers it after a reconnect", async () => {
    const { host, task } = await runningTask("vault-help-1", "Finish the login.");
    host.sendEvents(task.id, [{ seq: 2, kind: "help_request", data: { requestId: "req-secret-0001", question: "The code sent to your phone?", secret: true } }]);
    await host.ackedAtLeast(task.id, 2);
    const open = (await api("GET", `/api/help-requests?taskId=${task.id}`)).json.items[0];
    expect(open).toMatchObject({ id: "req-secret-0001", secret: true, status: "open" });

    const res = await api("POST", "/api/help-requests/req-secret-0001/respond", { body: { answer: "492039" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "answered", answer: "[secret answer]", secret: true });
    expect(await host.next("help_answer")).toEqual({ type: "help_answer", taskId: task.id, requestId: "req-secret-0001", status: "answered", answer: "492039", secret: true });
    expect(await taskStatus(task.id)).toBe("running");

    // The host drops before it acts on the answer: it gets the answer again, from the sealed copy.
    host.drop();
    await host.connect([task.id]);
    expect((await host.next("help_answer")).answer).toBe("492039");

    // The agent echoes it carelessly: stored as [secret answer].
    host.sendEvents(task.id, [{ seq: 3, kind: "assistant_text", data: { text: "typing 492039 now", step: 2 } }]);
    await host.ackedAtLeast(task.id, 3);
    const events = (await api("GET", `/api/tasks/${task.id}/events`)).json.items;
    expect(events.find((e: { kind: string }) => e.kind === "help_answer").data.answer).toBe("[secret answer]");
    expect(events.find((e: { kind: string }) => e.kind === "assistant_text").data.text).toBe("typing [secret answer] now");
    const listed = await api("GET", `/api/help-requests?taskId=${task.id}`);
    expect(listed.text).not.toContain("492039");
    const d1 = await env.DB.prepare("SELECT answer FROM help_requests WHERE id = 'req-secret-0001'").first<{ answer: string }>();
    expect(d1!.answer).toBe("[secret answer]");
    const events1 = await env.DB.prepare("SELECT payload FROM task_events WHERE task_id = ?").bind(task.id).all();
    expect(JSON.stringify(events1.results)).not.toContain("492039");
  });
});

describe("exclusive secrets", () => {
  it("runs two tasks needing the same exclusive secret one after the other, and the waiting one says why", async () => {
    await addSecret({ name: "one-login", kind: "password", value: "one-login-pw", exclusive: true });
    await createDesktop("vault-ex-1", { labels: ["exclusive-test"] });
    await createDesktop("vault-ex-2", { labels: ["exclusive-test"] });
    const hosts = [new TestHost("vault-ex-1", await hostToken("vault-ex-1")), new TestHost("vault-ex-2", await hostToken("vault-ex-2"))];
    for (const h of hosts) await h.connect();
    keepBeating(...hosts);

    const first = await createTask({ prompt: "Log in as {{secret:one-login}} and export.", labels: ["exclusive-test"] });
    const firstHost = await eventually(async () => hosts.find((h) => h.received.some((m) => m.type === "assign")), "the first task assigned");
    const second = await createTask({ prompt: "Log in as {{secret:one-login}} and import.", labels: ["exclusive-test"] });
    const waiting = await eventually(async () => {
      const t = (await api("GET", `/api/tasks/${second.id}`)).json;
      return t.waitingReason ? t : undefined;
    }, "the second task's waiting reason");
    expect(waiting.status).toBe("queued");
    expect(waiting.waitingReason).toBe(`secret \`one-login\` is exclusive (one session at a time) and task ${first.id} is using it; the task starts when it is free`);
    const other = hosts.find((h) => h !== firstHost)!;
    await new Promise((r) => setTimeout(r, 200));
    expect(other.received.some((m) => m.type === "assign")).toBe(false);

    // A task that did not say it needs the secret cannot take it mid-run either.
    const sneaky = await createTask({ prompt: "Do something else.", desktopId: other.desktopId });
    const sneakyAssign = await other.next("assign");
    expect(sneakyAssign.task.id).toBe(sneaky.id);
    expect(await release(other, sneaky.id, "one-login")).toMatchObject({ ok: false, error: { code: "in_use", message: expect.stringContaining(first.id) } });
    other.sendEvents(sneaky.id, [{ seq: 1, kind: "started" }, { seq: 2, kind: "completed", data: { result: "ok" } }]);
    await other.ackedAtLeast(sneaky.id, 2);

    const assign = await firstHost.next("assign");
    expect(assign.task.id).toBe(first.id);
    firstHost.sendEvents(first.id, [{ seq: 1, kind: "started" }, { seq: 2, kind: "completed", data: { result: "exported" } }]);
    await firstHost.ackedAtLeast(first.id, 2);
    const next = await eventually(async () => hosts.find((h) => h.received.some((m) => m.type === "assign" && m.task.id === second.id)), "the second task assigned once the first ended");
    expect(next).toBeDefined();
    expect((await api("GET", `/api/tasks/${second.id}`)).json.waitingReason).toBeNull();
  });
});

describe("unlock_screen", () => {
  it("has the desktop's host type the username, Tab, the credential and Return in one request, audited, and refuses secrets out of scope", async () => {
    await addSecret({ name: "lock-pw", kind: "password", value: "lock-screen-pw-1" });
    await addSecret({ name: "lock-elsewhere", kind: "password", value: "not-for-this-one", scope: { labels: ["nowhere"] } });
    await createDesktop("vault-lock");
    const host = new TestHost("vault-lock", await hostToken("vault-lock"));
    await host.connect();
    keepBeating(host);
    const desk = desktopObject(env, "vault-lock");
    const who = { id: "supervisor:dash:test", name: "Supervisor" };
    const pending = desk.unlockScreen("vault-lock", who, "lock-pw", "ada");
    const request = await host.next("desktop_request");
    expect(request.request).toEqual({ kind: "unlock", username: "ada", credential: "lock-screen-pw-1" });
    host.send({ type: "desktop_response", requestId: request.requestId, result: { ok: true } });
    expect(await pending).toEqual({ ok: { secret: "lock-pw", characters: 16 } });
    expect((await api("GET", "/api/secrets/lock-pw/releases")).json.items[0]).toMatchObject({ actor: who.id, taskId: null, desktopId: "vault-lock", via: "unlock_screen" });

    expect(await desk.unlockScreen("vault-lock", who, "lock-elsewhere")).toMatchObject({ error: { status: 422, code: "not_in_scope" } });
    await new Promise((r) => setTimeout(r, 100));
    expect(host.received.filter((m) => m.type === "desktop_request")).toEqual([]);
  });
});
