import { describe, expect, it } from "vitest";
import { api, apiToken, createDesktop, createTask, eventually, hostToken, taskStatus } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

const agent = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `The ${name} agent: files invoices in the accounting app`,
  instructions: `You are ${name}. Work carefully.`,
  ...extra,
});

async function createAgent(body: Record<string, unknown>) {
  const res = await api("POST", "/api/agents", { body });
  if (res.status !== 201) throw new Error(`create agent: ${res.status} ${res.text}`);
  return res.json;
}

async function createSkill(name: string, body = `How to do ${name}.`) {
  const res = await api("POST", "/api/skills", { body: { name, description: `About ${name}`, body } });
  if (res.status !== 201) throw new Error(`create skill: ${res.status} ${res.text}`);
  return res.json;
}

const taskCount = async () => (await api("GET", "/api/tasks?limit=200")).json.items.length as number;

describe("agent profiles", () => {
  it("are created by admins and read by operators; viewers and operators cannot write them", async () => {
    const created = await createAgent(agent("books"));
    expect(created).toMatchObject({ name: "books", tools: ["computer", "ask_human", "type_secret", "memory"], skills: [], continueFrom: "none", createdBy: "admin" });
    const operator = await apiToken("operator");
    const viewer = await apiToken("viewer");
    expect((await api("GET", "/api/agents/books", { token: operator })).status).toBe(200);
    expect((await api("GET", "/api/agents", { token: viewer })).status).toBe(403);
    const write = await api("POST", "/api/agents", { token: operator, body: agent("sneaky") });
    expect(write.status).toBe(403);
    expect(write.json.error.code).toBeTruthy();
  });

  it("refuses a second agent of the same name with 409, and changes nothing", async () => {
    await createAgent(agent("twice", { description: "the first one" }));
    const again = await api("POST", "/api/agents", { body: agent("twice", { description: "the second one" }) });
    expect(again.status).toBe(409);
    expect(again.json.error).toEqual({ code: "agent_exists", message: "an agent named `twice` already exists; pick another name or change it with PATCH /api/agents/twice" });
    expect((await api("GET", "/api/agents/twice")).json.description).toBe("the first one");
  });

  it("refuses unknown skills, a tool list without the computer and a bad name with 422 that says what to do", async () => {
    await createSkill("ledger-app");
    const unknown = await api("POST", "/api/agents", { body: agent("skilled", { skills: ["ledger-app", "nope"] }) });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.message).toBe("no skill named `nope`; skills: ledger-app");
    const noComputer = await api("POST", "/api/agents", { body: agent("blind", { tools: ["memory"] }) });
    expect(noComputer.status).toBe(422);
    expect(noComputer.json.error.message).toMatch(/tools must include `computer`/);
    const badName = await api("POST", "/api/agents", { body: agent("Not A Slug") });
    expect(badName.status).toBe(422);
    expect(badName.json.error.message).toMatch(/agent name is 1-40 lowercase letters/);
    expect((await api("GET", "/api/agents/skilled")).status).toBe(404);
  });

  it("keeps an agent that a schedule uses (409), and deletes one no schedule uses", async () => {
    await createAgent(agent("scheduled"));
    const schedule = await api("POST", "/api/schedules", { body: { name: "weekly books", prompt: "Close the week", intervalMinutes: 60, agent: "scheduled", enabled: false } });
    expect(schedule.status).toBe(201);
    expect(schedule.json.agent).toBe("scheduled");
    const refused = await api("DELETE", "/api/agents/scheduled");
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain("weekly books");
    expect((await api("PATCH", `/api/schedules/${schedule.json.id}`, { body: { agent: null } })).status).toBe(200);
    expect((await api("DELETE", "/api/agents/scheduled")).status).toBe(200);
    expect((await api("GET", "/api/agents/scheduled")).status).toBe(404);
  });

  it("previews the system prompt a task of the agent gets, with an estimated token count without an API key", async () => {
    await createSkill("preview-skill", "Press Accept all on cookie walls.");
    const res = await api("POST", "/api/agents/preview", { body: { name: "draft", instructions: "You reconcile the ledger.", skills: ["preview-skill"], tools: ["computer", "memory"] } });
    expect(res.status).toBe(200);
    expect(res.json.counted).toBe("estimate");
    expect(res.json.system).toMatch(/^# Your role: draft\nYou reconcile the ledger\./);
    expect(res.json.system).toContain("## preview-skill: About preview-skill\nPress Accept all on cookie walls.");
    expect(res.json.system).toContain("Nobody can be asked during this task");
    expect(res.json.tokens).toBeGreaterThan(100);
  });
});

describe("skills", () => {
  it("are versioned: each change is a version with its author and reason, and a rollback is a new version", async () => {
    await createSkill("cookie-walls", "Click Accept.");
    const v2 = await api("PATCH", "/api/skills/cookie-walls", { body: { body: "Click Accept all, bottom right.", reason: "the button moved" } });
    expect(v2.json).toMatchObject({ version: 2, body: "Click Accept all, bottom right." });
    const rolled = await api("POST", "/api/skills/cookie-walls/versions/1/rollback");
    expect(rolled.json).toMatchObject({ version: 3, body: "Click Accept." });
    const versions = (await api("GET", "/api/skills/cookie-walls/versions")).json.items;
    expect(versions.map((v: { version: number; reason: string | null; current: boolean; author: string }) => [v.version, v.reason, v.current, v.author])).toEqual([
      [3, "rollback to v1", true, "admin"],
      [2, "the button moved", false, "admin"],
      [1, null, false, "admin"],
    ]);
    expect((await api("POST", "/api/skills/cookie-walls/versions/3/rollback")).status).toBe(409);
    expect((await api("POST", "/api/skills/cookie-walls/versions/9/rollback")).status).toBe(404);
  });

  it("cannot be deleted while an agent carries them, and a duplicate name is 409", async () => {
    await createSkill("carried");
    expect((await api("POST", "/api/skills", { body: { name: "carried", description: "again", body: "again" } })).status).toBe(409);
    await createAgent(agent("carrier", { skills: ["carried"] }));
    expect((await api("GET", "/api/skills/carried")).json.usedBy).toEqual(["carrier"]);
    const refused = await api("DELETE", "/api/skills/carried");
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toBe("skill `carried` is attached to agent carrier; detach it first");
  });
});

describe("tasks with an agent", () => {
  it("take the agent's settings as defaults and may narrow them, never widen them", async () => {
    await createDesktop("agent-narrow", { labels: ["office"] });
    await createAgent(agent("narrow", { tools: ["computer", "memory"], maxSteps: 40, budgetUsd: 3, labels: ["office"], model: "claude-opus-4-5" }));
    const task = await createTask({ prompt: "file it", agent: "narrow", maxSteps: 10 });
    expect(task).toMatchObject({ agent: "narrow", target: { desktopId: null, labels: ["office"] }, options: { tools: ["computer", "memory"], maxSteps: 10, budgetUsd: 3, model: "claude-opus-4-5" } });

    const before = await taskCount();
    const wider = await api("POST", "/api/tasks", { body: { prompt: "file it", agent: "narrow", tools: ["computer", "ask_human"] } });
    expect(wider.status).toBe(422);
    expect(wider.json.error).toEqual({ code: "tool_not_allowed", message: "agent `narrow` may use computer, memory; a task cannot add ask_human (change the agent's tools, or run without it)" });
    const richer = await api("POST", "/api/tasks", { body: { prompt: "file it", agent: "narrow", budgetUsd: 5 } });
    expect(richer.status).toBe(422);
    expect(richer.json.error.code).toBe("limit_too_high");
    expect(await taskCount()).toBe(before);
    // It can never start here; out of the queue, so it does not hold up the tests that follow (see the report: dispatch stalls behind such a task).
    expect((await api("POST", `/api/tasks/${task.id}/cancel`)).status).toBe(200);
  });

  it("refuse an unknown agent and an unknown @skill with the names that exist, creating nothing", async () => {
    await createAgent(agent("known"));
    await createSkill("exists");
    const before = await taskCount();
    const noAgent = await api("POST", "/api/tasks", { body: { prompt: "do it", agent: "ghost" } });
    expect(noAgent.status).toBe(422);
    expect(noAgent.json.error.code).toBe("unknown_agent");
    expect(noAgent.json.error.message).toMatch(/^there is no agent `ghost`; agents: .*\bknown\b/);
    const noSkill = await api("POST", "/api/tasks", { body: { prompt: "use @skill:exists and @skill:missing to do it" } });
    expect(noSkill.status).toBe(422);
    expect(noSkill.json.error.code).toBe("unknown_skill");
    expect(noSkill.json.error.message).toMatch(/^the prompt names @skill:missing, which does not exist; skills: .*\bexists\b/);
    expect(await taskCount()).toBe(before);
  });

  it("with agent auto, go to the agent whose description fits the prompt", async () => {
    await createAgent({ name: "gardener", description: "Waters the plants and orders seeds from the garden centre" });
    await createAgent({ name: "travel", description: "Books trains, flights and hotels for business trips" });
    const task = await createTask({ prompt: "Book a hotel in Lyon for the business trip", agent: "auto", labels: ["nowhere"] });
    expect(task.agent).toBe("travel");
    expect(task.sourceMeta.agentChoice).toEqual({ mode: "auto", picked: "travel", matched: ["book", "hotel", "busin", "trip"] });
    expect((await api("POST", `/api/tasks/${task.id}/cancel`)).status).toBe(200);
  });

  it("reach the host with the agent's instructions, its skills, the prompt's @skills, the user profile and its tools", async () => {
    await createSkill("ledger-rules", "Book every receipt on the day it was paid.");
    await createSkill("pdf-export", "Export with File > Export > PDF.");
    await createAgent(agent("clerk", { skills: ["ledger-rules"], tools: ["computer", "memory"] }));
    expect((await api("PUT", "/api/settings/user-profile", { body: { text: "Ada runs the office; time zone Europe/Berlin." } })).status).toBe(200);
    await createDesktop("agent-host");
    const host = new TestHost("agent-host", await hostToken("agent-host"));
    await host.connect();
    const task = await createTask({ prompt: "Book the receipts, then @skill:pdf-export the ledger", desktopId: "agent-host", agent: "clerk" });
    const { task: assigned } = await host.next("assign");
    expect(assigned.id).toBe(task.id);
    expect(assigned.profile).toEqual({
      agent: { name: "clerk", instructions: "You are clerk. Work carefully." },
      skills: [
        { name: "ledger-rules", description: "About ledger-rules", body: "Book every receipt on the day it was paid." },
        { name: "pdf-export", description: "About pdf-export", body: "Export with File > Export > PDF." },
      ],
      userProfile: "Ada runs the office; time zone Europe/Berlin.",
    });
    expect(assigned.tools).toEqual(["computer", "memory"]);
    expect(assigned.briefing).toEqual({ memories: [], previous: null });
  });

  it("fail with a clear error when their agent was deleted before they started", async () => {
    await createAgent(agent("doomed"));
    await createDesktop("agent-doomed");
    const task = await createTask({ prompt: "do it", desktopId: "agent-doomed", agent: "doomed" });
    expect((await api("DELETE", "/api/agents/doomed")).status).toBe(200);
    const host = new TestHost("agent-doomed", await hostToken("agent-doomed"));
    await host.connect();
    await eventually(async () => (await taskStatus(task.id)) === "failed", "the task failed");
    const failed = (await api("GET", `/api/tasks/${task.id}`)).json;
    expect(failed.error).toEqual({ code: "agent_deleted", message: "agent `doomed` was deleted after this task was created; run it again with another agent or none" });
    // The desktop stays free: the next task is given to it.
    const next = await createTask({ prompt: "next", desktopId: "agent-doomed" });
    expect((await host.next("assign")).task.id).toBe(next.id);
  });

  it("with continueFrom last, start with the previous task on the same desktop: its prompt and result", async () => {
    await createDesktop("agent-carry");
    const host = new TestHost("agent-carry", await hostToken("agent-carry"));
    await host.connect();
    const first = await createTask({ prompt: "Put the blue mug in the basket", desktopId: "agent-carry" });
    await host.next("assign");
    host.sendEvents(first.id, [{ seq: 1, kind: "started" }, { seq: 2, kind: "completed", data: { result: "The blue mug is in the basket." } }]);
    await eventually(async () => (await taskStatus(first.id)) === "completed", "first completed");
    const second = await createTask({ prompt: "Now check out", desktopId: "agent-carry", continueFrom: "last" });
    const { task: assigned } = await host.next("assign");
    expect(assigned.id).toBe(second.id);
    expect(assigned.briefing?.previous).toMatchObject({
      taskId: first.id,
      prompt: "Put the blue mug in the basket",
      status: "completed",
      result: "The blue mug is in the basket.",
      screenshot: null,
    });
  });
});

describe("the user profile", () => {
  it("is read by viewers, written by operators, and limited to 10,000 characters", async () => {
    const viewer = await apiToken("viewer");
    const operator = await apiToken("operator");
    expect((await api("PUT", "/api/settings/user-profile", { token: viewer, body: { text: "x" } })).status).toBe(403);
    const put = await api("PUT", "/api/settings/user-profile", { token: operator, body: { text: "  Grace prefers short answers.  " } });
    expect(put.json).toMatchObject({ text: "Grace prefers short answers.", updatedBy: expect.stringMatching(/^token:/) });
    expect((await api("GET", "/api/settings/user-profile", { token: viewer })).json.text).toBe("Grace prefers short answers.");
    const long = await api("PUT", "/api/settings/user-profile", { body: { text: "x".repeat(10_001) } });
    expect(long.status).toBe(422);
    expect(long.json.error.message).toMatch(/at most 10000 characters/);
  });
});
