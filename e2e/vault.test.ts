import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { base32Encode, parseTotpSeed } from "@deskfleet/protocol";
import { firstUserText, text, toolUse, toolsetCall, type StepContext } from "../test-support/scripted-anthropic/index.ts";
import { startFakeTelegram, type FakeTelegram } from "../test-support/fake-telegram/index.ts";
import { registerWebhook } from "../scripts/lib/telegram-webhook.ts";
import { totpCode } from "../domain/vault/totp.ts";
import { ensureDashboardBuilt, launchBrowser, saveScreenshot, type TestBrowser } from "./support/browser.ts";
import { LOGIN_FIELDS as F, startLoginApp, type Submission } from "./support/login-app.ts";
import { API_KEY, e2ePrerequisitesMissing, startWorld, VNC_PASSWORD, waitUntil, type World } from "./support/world.ts";

/**
 * Credentials the model never sees, proved on a real desktop: a login page in
 * Chromium records what it receives while the scripted model calls
 * type_secret (a password and a TOTP code), a person answers secret questions
 * from the dashboard and from Telegram, and the supervisor unlocks the screen
 * through the host and through the Durable Object's own VNC session. Then the
 * Messages API's recorded requests, the D1 and Durable Object SQLite files
 * under the local state directory, the host's log and the Worker's output are
 * searched for every value.
 */
const missing = e2ePrerequisitesMissing();
const CHAT = 7_700_002;
const WEBHOOK_SECRET = "e2e-vault-webhook-secret-0123456789";
const PASSWORD = `Tr0ub4dor-${randomBytes(6).toString("hex")}`;
const SEED = base32Encode(randomBytes(20));
const OTP_URI = `otpauth://totp/Deskfleet:ada?secret=${SEED}&issuer=Deskfleet&digits=8`;
const DASH_ANSWER = `QX${randomBytes(4).toString("hex")}-dash`;
const TG_ANSWER = `QX${randomBytes(4).toString("hex")}-tg`;

let world: World;
let login: Awaited<ReturnType<typeof startLoginApp>>;
let telegram: FakeTelegram;
let b: TestBrowser;
let base: string;
/** Every TOTP code the page received: searched for afterwards like the other values. */
const typedCodes: string[] = [];

const allGood = (ctx: StepContext, done: string) => (ctx.toolResults().some((r) => r.isError) ? text(`Something failed: ${ctx.toolResults().filter((r) => r.isError).map((r) => r.text).join(" | ")}`) : text(done));
const answerName = (ctx: StepContext) => /"name": "(answer:[^"]+)"/.exec(ctx.lastToolResult()?.text ?? "")?.[1] ?? "answer:missing";
const secretQuestion = (tag: string) => [
  toolsetCall("left_click", { coordinate: F.code }),
  toolUse("ask_human", { question: `${tag}: what is the code sent to your phone?`, secret: true }),
  (ctx: StepContext) => toolUse("type_secret", { name: answerName(ctx), field: "code" }),
  toolsetCall("left_click", { coordinate: F.submit }),
  (ctx: StepContext) => allGood(ctx, "Signed in with the code."),
];

beforeAll(async () => {
  if (missing) return;
  ensureDashboardBuilt();
  telegram = await startFakeTelegram({ chats: [{ id: CHAT, firstName: "Ada", username: "ada" }] });
  world = await startWorld({
    app: async () => (login = await startLoginApp()),
    vars: {
      ANTHROPIC_API_KEY: API_KEY,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      // A private chat's id is its person's: they may act (operator).
      TELEGRAM_ALLOWED_USER_IDS: `operator:${CHAT}`,
      TELEGRAM_BOT_INFO: JSON.stringify(telegram.botInfo),
    },
    conversations: [
      {
        name: "login with the vault",
        match: "[login] Sign in as ada",
        steps: [
          toolsetCall("left_click", { coordinate: F.username }),
          toolsetCall("type", { text: "ada" }),
          toolsetCall("left_click", { coordinate: F.password }),
          toolUse("type_secret", { name: "e2e-login", field: "password" }),
          toolsetCall("left_click", { coordinate: F.otp }),
          toolUse("type_secret", { name: "e2e-otp", field: "one-time code" }),
          toolsetCall("left_click", { coordinate: F.submit }),
          (ctx) => allGood(ctx, "Signed in as ada."),
        ],
      },
      { name: "answer from the dashboard", match: "[answer-dashboard]", steps: secretQuestion("dashboard") },
      { name: "answer from Telegram", match: "[answer-telegram]", steps: secretQuestion("telegram") },
      {
        name: "supervisor unlocks through the host",
        match: (body) => JSON.stringify(body["messages"] ?? "").includes("unlock e2e-desk for ada"),
        steps: [
          toolUse("click", { desktopId: "e2e-desk", x: F.username[0], y: F.username[1] }),
          toolUse("unlock_screen", { desktop: "e2e-desk", secret: "e2e-login", username: "ada" }),
          (ctx) => allGood(ctx, "Unlocked e2e-desk."),
        ],
      },
      {
        name: "supervisor unlocks over the object's own VNC session",
        match: (body) => JSON.stringify(body["messages"] ?? "").includes("unlock e2e-vnc-only for grace"),
        steps: [
          toolUse("click", { desktopId: "e2e-vnc-only", x: F.username[0], y: F.username[1] }),
          toolUse("unlock_screen", { desktop: "e2e-vnc-only", secret: "e2e-login", username: "grace" }),
          (ctx) => allGood(ctx, "Unlocked e2e-vnc-only."),
        ],
      },
    ],
  });
  await registerWebhook({ token: telegram.token, secret: WEBHOOK_SECRET, url: world.cp.url, apiRoot: telegram.url });
  base = `http://localhost:${world.cp.port}`;
  b = await launchBrowser();
}, 300_000);

afterEach(async ({ task }) => {
  if (task.result?.state === "fail" && b) await saveScreenshot(b.page, `vault-FAILED-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-")}`).catch(() => undefined);
});

afterAll(async () => {
  await b?.close();
  await world?.dispose();
  await telegram?.close();
});

async function finished(id: string) {
  await waitUntil(async () => ["completed", "failed", "cancelled"].includes((await world.cp.api("GET", `/api/tasks/${id}`)).json.status), 120_000, () => `task ${id} did not finish; host logs:\n${world.host.logs().slice(-3000)}`);
  return (await world.cp.api("GET", `/api/tasks/${id}`)).json;
}

async function submission(pred: (s: Submission) => boolean, what: string): Promise<Submission> {
  await login.waitFor((e) => e.type === "submitted" && pred(JSON.parse(e.value ?? "{}") as Submission), 60_000).catch((err: unknown) => {
    throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}\nhost log:\n${world.host.logs().slice(-3000)}`);
  });
  return login.submissions().filter(pred).at(-1)!;
}

async function openHelpRequest(taskId: string) {
  let found: any;
  await waitUntil(async () => (found = (await world.cp.api("GET", `/api/help-requests?taskId=${taskId}&status=open`)).json.items[0]) !== undefined, 90_000, () => `no help request; host logs:\n${world.host.logs().slice(-3000)}`);
  return found;
}

/** Every file under a directory, as bytes with its path. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}


/** The supervisor typed into the desktop after reading a tool result: the approvals policy holds unlock_screen as a proposal; a person approves it. */
async function approveUnlock(conversationId: string): Promise<void> {
  let id: string | undefined;
  await waitUntil(async () => {
    const items = (await world.cp.api("GET", `/api/proposals?status=pending&conversationId=${conversationId}`)).json.items as { id: string; tool: string; summary: string }[];
    const p = items.find((i) => i.tool === "unlock_screen");
    if (p) expect(p.summary).not.toContain(PASSWORD);
    id = p?.id;
    return id !== undefined;
  }, 60_000, () => `no unlock_screen proposal in ${conversationId}`);
  const approved = await world.cp.api("POST", `/api/proposals/${id}/approve`);
  expect(approved.status, JSON.stringify(approved.json)).toBe(200);
}

describe.skipIf(missing !== null)("credentials the model never sees, on a real desktop", () => {
  it("adds a password in Settings → Secrets from a write-only field", async () => {
    const { page } = b;
    await page.goto(base);
    await page.getByLabel("Token").fill(world.cp.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Fleet" }).waitFor();
    await page.goto(`${base}/settings`);
    const form = page.getByRole("form", { name: "Add a secret" });
    await form.getByLabel("Name").fill("e2e-login");
    await form.getByLabel("Value").fill(PASSWORD);
    expect(await form.getByLabel("Value").getAttribute("type")).toBe("password");
    await form.getByLabel("Description").fill("The test site's login for ada");
    await form.getByRole("button", { name: "Add secret" }).click();
    await page.getByRole("article", { name: "Secret e2e-login" }).waitFor();
    expect(await form.getByLabel("Value").inputValue()).toBe("");
    expect(await page.content()).not.toContain(PASSWORD);
    await saveScreenshot(page, "vault-settings-secrets");

    const otp = await world.cp.api("POST", "/api/secrets", { name: "e2e-otp", kind: "totp", value: OTP_URI, description: "The test site's authenticator" });
    expect(otp.status).toBe(201);
    expect(otp.json.totp).toEqual({ algorithm: "SHA1", digits: 8, period: 30 });
  });

  it("types a password and a TOTP code into the login page with type_secret; the page gets both, the events say which was typed", async () => {
    const { cp } = world;
    const created = await cp.api("POST", "/api/tasks", { prompt: "[login] Sign in as ada with the password {{secret:e2e-login}} and the one-time code {{secret:e2e-otp}}.", desktopId: world.desktopId });
    expect(created.status).toBe(201);
    const startedAt = Date.now();
    const got = await submission((s) => s.username === "ada" && s.password !== "", "the login");
    const task = await finished(created.json.id);
    expect(task.error, JSON.stringify(task.error)).toBeNull();
    expect(task.result).toBe("Signed in as ada.");

    expect(got.password).toBe(PASSWORD);
    const seed = parseTotpSeed(OTP_URI);
    if (!seed.ok) throw new Error(seed.reason);
    const codes = await Promise.all([startedAt - 30_000, startedAt, Date.now(), Date.now() + 30_000].map((t) => totpCode(seed.seed, t)));
    expect(codes).toContain(got.otp);
    typedCodes.push(got.otp);

    const events = (await cp.api("GET", `/api/tasks/${created.json.id}/events?limit=1000`)).json.items as { kind: string; data: any }[];
    expect(events.filter((e) => e.kind === "secret_typed").map((e) => e.data)).toEqual([
      { name: "e2e-login", source: "vault", characters: PASSWORD.length, field: "password", step: 4 },
      { name: "e2e-otp", source: "vault", characters: 8, field: "one-time code", step: 6 },
    ]);
    expect(events.filter((e) => e.kind === "action").map((e) => e.data.name)).toEqual(["left_click", "type", "left_click", "type_secret", "left_click", "type_secret", "left_click"]);

    // The model was told names and descriptions, and the placeholders as pointers, never values.
    const first = world.anthropic.requests.find((r) => firstUserText(r.body).includes("[login] Sign in as ada"))!;
    const tool = (first.body as { tools: { name: string; description?: string }[] }).tools.find((t) => t.name === "type_secret");
    expect(tool?.description).toContain("`e2e-login` (password): The test site's login for ada");
    expect(tool?.description).toContain("`e2e-otp` (one-time code: types the current code): The test site's authenticator");
    expect(firstUserText(first.body)).toContain('the password [secret `e2e-login`: type it with type_secret {"name": "e2e-login"}]');

    const uses = (await cp.api("GET", "/api/secrets/e2e-login/releases")).json.items;
    expect(uses[0]).toMatchObject({ taskId: created.json.id, desktopId: world.desktopId, via: "type_secret" });
    world.anthropic.assertNoRejections();
  });

  it("takes a secret answer from the dashboard's password field; the agent types it and the answer shows nowhere", async () => {
    const created = await world.cp.api("POST", "/api/tasks", { prompt: "[answer-dashboard] Finish signing in with the code the operator has.", desktopId: world.desktopId });
    const request = await openHelpRequest(created.json.id);
    expect(request).toMatchObject({ secret: true, status: "open" });
    const { page } = b;
    await page.goto(`${base}/help`);
    const card = page.getByRole("article", { name: `Question from ${world.desktopId}` });
    const field = card.getByLabel("Your secret answer");
    expect(await field.getAttribute("type")).toBe("password");
    await field.fill(DASH_ANSWER);
    await card.getByRole("button", { name: "Answer" }).click();
    await page.getByRole("list", { name: "Resolved questions" }).getByText("answered (secret, not shown)").first().waitFor();
    expect(await page.content()).not.toContain(DASH_ANSWER);
    await saveScreenshot(page, "vault-help-secret-answered");

    expect((await submission((s) => s.code !== "", "the code from the dashboard")).code).toBe(DASH_ANSWER);
    const task = await finished(created.json.id);
    expect(task.result).toBe("Signed in with the code.");
    const answered = (await world.cp.api("GET", `/api/help-requests?taskId=${created.json.id}`)).json.items[0];
    expect(answered).toMatchObject({ status: "answered", answer: "[secret answer]", answeredVia: "dashboard" });
    const typed = (await world.cp.api("GET", `/api/tasks/${created.json.id}/events`)).json.items.filter((e: { kind: string }) => e.kind === "secret_typed");
    expect(typed.map((e: { data: unknown }) => e.data)).toEqual([{ name: expect.stringMatching(/^answer:/), source: "help_answer", characters: DASH_ANSWER.length, field: "code", step: 3 }]);
  });

  it("takes a secret answer from a Telegram reply, which the bot deletes, and the agent types it", async () => {
    const before = telegram.sentTo(CHAT).length;
    const created = await world.cp.api("POST", "/api/tasks", { prompt: "[answer-telegram] Finish signing in with the code the operator has.", desktopId: world.desktopId });
    const asked = await telegram.waitFor(() => telegram.sentTo(CHAT).slice(before).find((m) => `${m.text ?? ""}${m.caption ?? ""}`.includes("telegram: what is the code")), "the secret question in Telegram", 90_000);
    const reply = (await telegram.sendText(CHAT, TG_ANSWER, { replyTo: asked.message_id })).update.message!;
    expect((await submission((s) => s.code === TG_ANSWER, "the code from Telegram")).code).toBe(TG_ANSWER);
    expect((await finished(created.json.id)).result).toBe("Signed in with the code.");
    expect(telegram.deleted().map((m) => m.message_id)).toContain(reply.message_id);
    expect(telegram.sentTo(CHAT).map((m) => `${m.text ?? ""}${m.caption ?? ""}`).join("\n")).not.toContain(TG_ANSWER);
    expect(telegram.messagesIn(CHAT).some((m) => (m.text ?? "").includes(TG_ANSWER))).toBe(false);
    expect(telegram.rejections()).toEqual([]);
  });

  it("lets the supervisor unlock the screen through the desktop's host, never seeing the credential", async () => {
    const res = await world.cp.api("POST", "/api/supervisor/conversations/dash:e2e-unlock-host/messages", { text: "Please unlock e2e-desk for ada." });
    expect(res.status).toBe(202);
    await approveUnlock("dash:e2e-unlock-host");
    const got = await submission((s) => s.username === "ada" && s.otp === "" && s.code === "", "the unlock through the host");
    expect(got.password).toBe(PASSWORD);
    await waitUntil(async () => JSON.stringify((await world.cp.api("GET", "/api/supervisor/conversations/dash:e2e-unlock-host")).json).includes("Unlocked e2e-desk."), 60_000, () => "the supervisor did not finish");
  });

  it("lets the supervisor unlock a desktop without a host over the Durable Object's own VNC session", async () => {
    const created = await world.cp.api("POST", "/api/desktops", { id: "e2e-vnc-only", vncUrl: `vnc://:${VNC_PASSWORD}@127.0.0.1:${world.desktop.port}` });
    expect(created.status).toBe(201);
    await world.cp.api("POST", "/api/supervisor/conversations/dash:e2e-unlock-direct/messages", { text: "Please unlock e2e-vnc-only for grace." });
    await approveUnlock("dash:e2e-unlock-direct");
    const got = await submission((s) => s.username === "grace", "the unlock over the object's VNC session");
    expect(got.password).toBe(PASSWORD);
    await waitUntil(async () => JSON.stringify((await world.cp.api("GET", "/api/supervisor/conversations/dash:e2e-unlock-direct")).json).includes("Unlocked e2e-vnc-only."), 60_000, () => "the supervisor did not finish");
    const uses = (await world.cp.api("GET", "/api/secrets/e2e-login/releases")).json.items;
    expect(uses.filter((u: { via: string }) => u.via === "unlock_screen").map((u: { desktopId: string }) => u.desktopId).sort()).toEqual(["e2e-desk", "e2e-vnc-only"]);
    world.anthropic.assertNoRejections();
  });

  it("leaves no value in clear in the Messages API requests, the D1 and Durable Object files, the host's log or the Worker's output", async () => {
    const values = { password: PASSWORD, "TOTP seed": SEED, "TOTP code": typedCodes[0]!, "dashboard answer": DASH_ANSWER, "Telegram answer": TG_ANSWER };
    expect(typedCodes[0]).toMatch(/^\d{8}$/);

    const requests = world.anthropic.requests.map((r) => JSON.stringify([r.body, r.wireBody])).join("\n");
    expect(world.anthropic.requests.length).toBeGreaterThan(10);
    const hostLog = world.host.logs();
    expect(hostLog).toContain("secret released for typing");
    await world.cp.stop();
    const workerLog = world.cp.logs();
    const files = filesUnder(world.cp.persistTo);
    const sqlite = files.filter((f) => /\.sqlite(-wal|-shm)?$/.test(f.path));
    // The search reads the right files: D1's and each Durable Object's SQLite hold the names and the placeholders.
    expect(sqlite.some((f) => f.path.includes("d1"))).toBe(true);
    expect(sqlite.some((f) => /TaskDO/.test(f.path))).toBe(true);
    const all = Buffer.concat(files.map((f) => f.bytes));
    expect(all.includes("e2e-login")).toBe(true);
    expect(all.includes("[secret answer]")).toBe(true);

    for (const [what, value] of Object.entries(values)) {
      expect(requests.includes(value), `${what} in a Messages API request`).toBe(false);
      expect(hostLog.includes(value), `${what} in the host's log`).toBe(false);
      expect(workerLog.includes(value), `${what} in the Worker's output`).toBe(false);
      const holders = files.filter((f) => f.bytes.includes(value) || f.bytes.includes(Buffer.from(value, "utf16le"))).map((f) => relative(world.cp.persistTo, f.path));
      expect(holders, `${what} in clear in these files`).toEqual([]);
    }
  });
});
