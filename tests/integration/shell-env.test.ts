import { describe, expect, it, onTestFinished } from "vitest";
import { api, createDesktop, createTask, env, hostToken } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";
import { checkShellEnv } from "../../domain/vault/shell-env.ts";

// Vault secrets as shell variables (`env`) and an agent's MCP servers: what
// the API refuses before anything is created, and what TaskDO releases to the
// host running the task — only for a use the task has, audited by use.

const TOKEN = "ghp_integration_0123456789";

/** Adds a secret once per file (D1 lasts the file); each its own value, so redaction names the right one. */
async function addSecret(body: { name: string; value?: string; scope?: unknown }) {
  const res = await api("POST", "/api/secrets", { body: { kind: "password", value: `${body.name}-value-0123`, ...body } });
  if (res.status !== 201 && res.status !== 409) throw new Error(`create secret: ${res.status} ${res.text}`);
}

async function taskCount(): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM tasks").first<{ n: number }>())!.n;
}

function keepBeating(host: TestHost): void {
  const beats = setInterval(() => host.ws && host.heartbeat(), 400);
  onTestFinished(() => clearInterval(beats));
}

async function runningTask(desktopId: string, body: Record<string, unknown>) {
  const host = new TestHost(desktopId, await hostToken(desktopId));
  await host.connect();
  keepBeating(host);
  const task = await createTask({ desktopId, ...body });
  const assign = await host.next("assign", 15_000).catch(async (e) => {
    throw new Error(`${e}: ${JSON.stringify((await api("GET", `/api/tasks/${task.id}`)).json)} ${JSON.stringify((await api("GET", `/api/desktops/${desktopId}`)).json)}`);
  });
  host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
  await host.ackedAtLeast(task.id, 1);
  return { host, task, assign };
}

async function release(host: TestHost, taskId: string, name: string, use?: "type_secret" | "shell_env" | "mcp_server") {
  const requestId = crypto.randomUUID();
  host.send({ type: "secret_request", requestId, taskId, name, ...(use ? { use } : {}) });
  const res = await host.next("secret_response");
  expect(res.requestId).toBe(requestId);
  return res.result;
}

describe("a task's env at creation", () => {
  it.each([
    ["a plain value", { PLAIN: TOKEN }, 422, /env values are vault references like `secret:github`, never plain values.*POST \/api\/secrets/],
    ["a reserved name", { PATH: "secret:env-gh" }, 422, /`PATH` is reserved/],
    ["a loader variable", { LD_PRELOAD: "secret:env-gh" }, 422, /`LD_PRELOAD` is reserved: names starting with LD_/],
    ["a name that is not a variable", { "1TOKEN": "secret:env-gh" }, 422, /`1TOKEN` is not a variable name/],
    ["a secret the vault does not hold", { GITHUB_TOKEN: "secret:env-nope" }, 422, /names secret `env-nope` that the vault does not hold/],
  ])("refuses %s and creates nothing", async (_what, envVars, status, message) => {
    await addSecret({ name: "env-gh" });
    await createDesktop("env-refusals").catch(() => undefined);
    const before = await taskCount();
    const res = await api("POST", "/api/tasks", { body: { prompt: "Use the token.", desktopId: "env-refusals", env: envVars } });
    expect(res.status).toBe(status);
    expect(res.json.error.message).toMatch(message);
    expect(res.text).not.toContain(TOKEN);
    expect(await taskCount()).toBe(before);
  });

  it("refuses more variables than a task may take", async () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`V${i}`, "secret:env-gh"]));
    const res = await api("POST", "/api/tasks", { body: { prompt: "x", env: many } });
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(/env takes at most 20 variables, not 21/);
  });

  it("refuses env on a task whose tools leave out the shell, with what to do", async () => {
    await addSecret({ name: "env-noshell" });
    const before = await taskCount();
    const res = await api("POST", "/api/tasks", { body: { prompt: "x", tools: ["ask_human", "files"], env: { GITHUB_TOKEN: "secret:env-noshell" } } });
    expect(res.status).toBe(422);
    expect(res.json.error).toEqual({ code: "shell_not_allowed", message: expect.stringMatching(/do not include `shell`; add shell to its tools/) });
    expect(await taskCount()).toBe(before);
  });

  it("refuses a secret the task would not be granted on the desktops it may run on", async () => {
    await createDesktop("env-granted", { labels: ["ci"] });
    await createDesktop("env-elsewhere");
    const schedule = await api("POST", "/api/schedules", { body: { name: "other", prompt: "x", desktopId: "env-granted", intervalMinutes: 60 } });
    await addSecret({ name: "env-ci-only", scope: { labels: ["ci"] } });
    await addSecret({ name: "env-sched-only", scope: { schedules: [schedule.json.id] } });
    const before = await taskCount();
    const elsewhere = await api("POST", "/api/tasks", { body: { prompt: "x", desktopId: "env-elsewhere", env: { T: "secret:env-ci-only" } } });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.json.error).toEqual({ code: "secret_not_granted", message: expect.stringMatching(/granted only on label ci, and desktop env-elsewhere is none of them/) });
    const anywhere = await api("POST", "/api/tasks", { body: { prompt: "x", env: { T: "secret:env-ci-only" } } });
    expect(anywhere.json.error.message).toMatch(/this task may run on any desktop; target a desktop \(or a label\)/);
    const oneOff = await api("POST", "/api/tasks", { body: { prompt: "x", desktopId: "env-granted", env: { T: "secret:env-sched-only" } } });
    expect(oneOff.json.error.message).toMatch(new RegExp(`granted only to runs of schedule ${schedule.json.id}`));
    expect(await taskCount()).toBe(before);
    // The same secret on a desktop it is granted on, and on a label target that guarantees it: accepted.
    const pinned = await api("POST", "/api/tasks", { body: { prompt: "x", desktopId: "env-granted", env: { T: "secret:env-ci-only" } } });
    const labelled = await api("POST", "/api/tasks", { body: { prompt: "x", labels: ["ci"], env: { T: "secret:env-ci-only" } } });
    expect([pinned.status, labelled.status]).toEqual([201, 201]);
    for (const t of [pinned, labelled]) await api("POST", `/api/tasks/${t.json.id}/cancel`, { body: {} });
  });

  it("says there are no secrets in shells where the vault is not configured", async () => {
    const noVault = { ...env, DESKFLEET_SECRET_KEY: undefined } as unknown as Env;
    await expect(checkShellEnv(noVault, { env: { T: "secret:whatever" }, tools: undefined, desktopId: null, labels: [], scheduleId: null })).rejects.toMatchObject({
      status: 422,
      code: "vault_not_configured",
      message: expect.stringMatching(/this deployment has no vault: set DESKFLEET_SECRET_KEY/),
    });
  });

  it("checks a schedule's env when it is saved", async () => {
    await createDesktop("env-sched-desk");
    const res = await api("POST", "/api/schedules", { body: { name: "env", prompt: "x", desktopId: "env-sched-desk", intervalMinutes: 60, env: { T: "secret:env-missing" } } });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("unknown_secret");
    await addSecret({ name: "env-sched" });
    const ok = await api("POST", "/api/schedules", { body: { name: "env", prompt: "x", desktopId: "env-sched-desk", intervalMinutes: 60, env: { GITHUB_TOKEN: "secret:env-sched" } } });
    expect(ok.status).toBe(201);
    expect(ok.json.env).toEqual({ GITHUB_TOKEN: "secret:env-sched" });
    const plain = await api("PATCH", `/api/schedules/${ok.json.id}`, { body: { env: { GITHUB_TOKEN: TOKEN } } });
    expect(plain.status).toBe(422);
    expect((await api("GET", `/api/schedules/${ok.json.id}`)).json.env).toEqual({ GITHUB_TOKEN: "secret:env-sched" });
  });
});

describe("releasing a shell variable's value", () => {
  it("gives the value to the task's own host for its shell, audited as shell_env, and only for a secret its env names", { timeout: 20_000 }, async () => {
    await createDesktop("env-run-1");
    await addSecret({ name: "env-run-gh", value: TOKEN });
    await addSecret({ name: "env-run-other" });
    const { host, task, assign } = await runningTask("env-run-1", { prompt: "Push the branch.", tools: ["shell"], env: { GITHUB_TOKEN: "secret:env-run-gh" } });

    expect(assign.task.options.env).toEqual({ GITHUB_TOKEN: "secret:env-run-gh" });
    expect(JSON.stringify(assign)).not.toContain(TOKEN);
    expect(await release(host, task.id, "env-run-gh", "shell_env")).toEqual({ ok: true, kind: "password", value: TOKEN });
    const other = await release(host, task.id, "env-run-other", "shell_env");
    expect(other).toMatchObject({ ok: false, error: { message: expect.stringMatching(/env does not name secret `env-run-other`/) } });
    // The task has no type_secret: the same value is not released for typing.
    expect(await release(host, task.id, "env-run-gh")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/may not type secrets/) } });

    const releases = (await api("GET", "/api/secrets/env-run-gh/releases")).json.items;
    expect(releases).toEqual([expect.objectContaining({ taskId: task.id, desktopId: "env-run-1", via: "shell_env" })]);

    // A command event that printed it is stored with its label; the task row never holds it.
    host.sendEvents(task.id, [{ seq: 2, kind: "command", data: { step: 1, command: 'echo "$GITHUB_TOKEN"', exitCode: 0, durationMs: 3, outputBytes: TOKEN.length + 1, output: `${TOKEN}\n`, ending: "exited", env: ["GITHUB_TOKEN"] } }]);
    await host.ackedAtLeast(task.id, 2);
    const events = (await api("GET", `/api/tasks/${task.id}/events`)).json.items as { kind: string; data: { output?: string; env?: string[] } }[];
    const command = events.find((e) => e.kind === "command")!;
    expect(command.data).toMatchObject({ output: "[secret:env-run-gh]\n", env: ["GITHUB_TOKEN"] });
    const row = await env.DB.prepare("SELECT options FROM tasks WHERE id = ?").bind(task.id).first<{ options: string }>();
    expect(row!.options).toContain("secret:env-run-gh");
    expect(row!.options).not.toContain(TOKEN);
    const stored = await env.DB.prepare("SELECT group_concat(payload) || group_concat(coalesce(text, '')) AS d FROM task_events WHERE task_id = ?").bind(task.id).first<{ d: string }>();
    expect(stored!.d).not.toContain(TOKEN);
  });
});

describe("an agent's MCP servers", () => {
  it("refuses a server naming a secret the vault lacks, or a credential header written in plain text", async () => {
    const missing = await api("POST", "/api/agents", { body: { name: "mcp-missing", description: "x", mcpServers: { docs: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer {{secret:mcp-nope}}" } } } } });
    expect(missing.status).toBe(422);
    expect(missing.json.error.message).toMatch(/mcpServers name secret `mcp-nope` that the vault does not hold/);
    const plain = await api("POST", "/api/agents", { body: { name: "mcp-plain", description: "x", mcpServers: { docs: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer abc123" } } } } });
    expect(plain.status).toBe(422);
    expect(plain.json.error.message).toMatch(/header Authorization carries a credential: put it in the vault/);
    const neither = await api("POST", "/api/agents", { body: { name: "mcp-neither", description: "x", mcpServers: { docs: { url: "https://x.example", command: "npx" } } } });
    expect(neither.status).toBe(422);
    for (const name of ["mcp-missing", "mcp-plain", "mcp-neither"]) expect((await api("GET", `/api/agents/${name}`)).status).toBe(404);
  });

  it("shows the servers as written, sends them with the assignment, and releases their secrets only for them", async () => {
    await createDesktop("mcp-run-1");
    await addSecret({ name: "mcp-docs", value: "docs-token-abcdef" });
    await addSecret({ name: "mcp-unrelated", value: "unrelated-abcdef" });
    const servers = {
      docs: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer {{secret:mcp-docs}}" } },
      notes: { command: "npx", args: ["-y", "notes-mcp"] },
    };
    const created = await api("POST", "/api/agents", { body: { name: "mcp-agent", description: "Reads docs", tools: ["computer", "mcp"], mcpServers: servers } });
    expect(created.status).toBe(201);
    expect((await api("GET", "/api/agents/mcp-agent")).json.mcpServers).toEqual(servers);

    const { host, task, assign } = await runningTask("mcp-run-1", { prompt: "Look it up.", agent: "mcp-agent" });
    expect(assign.task.mcpServers).toEqual(servers);
    expect(JSON.stringify(assign)).not.toContain("docs-token-abcdef");
    expect(await release(host, task.id, "mcp-docs", "mcp_server")).toEqual({ ok: true, kind: "password", value: "docs-token-abcdef" });
    expect(await release(host, task.id, "mcp-unrelated", "mcp_server")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/no MCP server of task .* names secret `mcp-unrelated`/) } });
    expect(await release(host, task.id, "mcp-docs", "shell_env")).toMatchObject({ ok: false });
    expect((await api("GET", "/api/secrets/mcp-docs/releases")).json.items).toEqual([expect.objectContaining({ taskId: task.id, via: "mcp_server" })]);

    const cleared = await api("PATCH", "/api/agents/mcp-agent", { body: { mcpServers: {} } });
    expect(cleared.json.mcpServers).toEqual({});
  });
});
