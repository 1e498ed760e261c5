import { describe, expect, it } from "vitest";
import { APPROVAL_CLASSES, type Proposal } from "@deskfleet/protocol";
import { api, apiToken, createDesktop, env, eventually } from "./support/api.ts";
import { runTool, type ProposalDraft } from "../../domain/supervisor/tools/tool.ts";
import { toolsFor } from "../../domain/supervisor/tools/index.ts";

/**
 * What the approval policy really produces for a create_task the model makes
 * after reading tool results in a dashboard chat, handed to the chat's
 * SupervisorDO as its loop does. Nothing runs until a person decides.
 */
async function proposeTask(conversationId: string, desktopId: string, prompt: string): Promise<Proposal> {
  const ctx = {
    env,
    conversationId,
    kind: "dash" as const,
    actor: `supervisor:${conversationId}`,
    job: null,
    channel: { say: async () => undefined, showScreenshot: async () => undefined },
    askedByPerson: false,
    requiredApprovals: new Set(APPROVAL_CLASSES),
    approval: null,
  };
  const out = await runTool(toolsFor("dash"), ctx, "create_task", { prompt, desktopId });
  if (!("propose" in out)) throw new Error(`expected a proposal, got ${JSON.stringify(out)}`);
  const draft: ProposalDraft = out.propose;
  const p = await env.SUPERVISOR.get(env.SUPERVISOR.idFromName(conversationId)).propose(conversationId, { ...draft, toolUseId: "toolu_test" });
  if ("refused" in p) throw new Error(p.refused);
  return p as Proposal;
}

const tasksWithPrompt = async (prompt: string) => ((await api("GET", "/api/tasks?limit=100")).json.items as { id: string; prompt: string }[]).filter((t) => t.prompt === prompt);
const auditOf = async (id: string) => (await env.DB.prepare("SELECT actor, action FROM audit_log WHERE target_id = ? ORDER BY id").bind(id).all<{ actor: string; action: string }>()).results;

describe("proposals", () => {
  it("lists a proposal and runs nothing until a person approves it; approving carries it out once, audited", async () => {
    await createDesktop("prop-1");
    const prompt = "Open https://pay.example and transfer the balance";
    const p = await proposeTask("dash:prop-1", "prop-1", prompt);
    expect(p).toMatchObject({ status: "pending", actionClass: "tasks", tool: "create_task", conversationId: "dash:prop-1", taskId: null });

    const listed = await api("GET", "/api/proposals?status=pending");
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((x: Proposal) => x.id)).toContain(p.id);
    expect(await tasksWithPrompt(prompt)).toEqual([]);

    const approved = await api("POST", `/api/proposals/${p.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: "approved", decidedBy: "admin", decidedVia: "api", error: null });
    const [task] = await tasksWithPrompt(prompt);
    expect(approved.json.result).toContain(task!.id);
    expect((await api("GET", `/api/tasks/${task!.id}`)).json.sourceMeta).toMatchObject({ conversationId: "dash:prop-1", proposalId: p.id, approvedBy: "admin" });
    expect((await api("GET", `/api/proposals/${p.id}`)).json).toMatchObject({ status: "approved", result: approved.json.result });

    // The conversation shows it waiting, then decided.
    const entries = (await api("GET", "/api/supervisor/conversations/dash:prop-1")).json.entries as { kind: string; data: { status: string } }[];
    expect(entries.filter((e) => e.kind === "proposal").map((e) => e.data.status)).toEqual(["pending", "approved"]);
    expect(await auditOf(p.id)).toEqual([
      { actor: "supervisor:dash:prop-1", action: "proposal.create" },
      { actor: "admin", action: "proposal.approve" },
    ]);
  });

  it("lets exactly one of two simultaneous decisions win; the other gets 409 naming who decided", async () => {
    await createDesktop("prop-2");
    const p = await proposeTask("dash:prop-2", "prop-2", "race me");
    const operator = await apiToken("operator");
    const [a, b] = await Promise.all([api("POST", `/api/proposals/${p.id}/approve`), api("POST", `/api/proposals/${p.id}/reject`, { token: operator })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.json.error.code).toBe("already_decided");
    expect(loser.json.error.message).toMatch(/(approved by admin via api|rejected by operator for tests via api)/);
    expect((await tasksWithPrompt("race me")).length).toBe(a.status === 200 ? 1 : 0);
  });

  it("never carries out a rejected proposal", async () => {
    await createDesktop("prop-3");
    const p = await proposeTask("dash:prop-3", "prop-3", "rejected work");
    const rejected = await api("POST", `/api/proposals/${p.id}/reject`);
    expect(rejected.json).toMatchObject({ status: "rejected", result: null });
    expect((await api("POST", `/api/proposals/${p.id}/approve`)).status).toBe(409);
    expect(await tasksWithPrompt("rejected work")).toEqual([]);
    expect((await auditOf(p.id)).map((a) => a.action)).toEqual(["proposal.create", "proposal.reject"]);
  });

  it("expires a proposal nobody decides, and an approval after that is refused", async () => {
    await createDesktop("prop-4");
    const p = await proposeTask("dash:prop-4", "prop-4", "too late");
    expect(p.expiresAt - p.createdAt).toBe(4_000);
    const expired = await eventually(async () => {
      const r = await api("GET", `/api/proposals/${p.id}`);
      return r.json.status === "expired" && r.json;
    }, "the proposal to expire", 10_000);
    expect(expired).toMatchObject({ decidedBy: "system", decidedVia: "system" });
    expect(await auditOf(p.id)).toEqual([
      { actor: "supervisor:dash:prop-4", action: "proposal.create" },
      { actor: "system", action: "proposal.expire" },
    ]);
    const late = await api("POST", `/api/proposals/${p.id}/approve`);
    expect(late.status).toBe(409);
    expect(late.json.error.message).toMatch(/it expired, nobody decided in time/);
    expect(await tasksWithPrompt("too late")).toEqual([]);
  });

  it("keeps at most 10 proposals of one conversation waiting, and says so instead of an eleventh", async () => {
    await createDesktop("prop-5");
    for (let i = 0; i < 10; i++) await proposeTask("dash:prop-5", "prop-5", `flood ${i}`);
    await expect(proposeTask("dash:prop-5", "prop-5", "flood 10")).rejects.toThrow("10 proposals of this conversation already wait for a person");
    expect((await api("GET", "/api/proposals?conversationId=dash:prop-5&limit=50")).json.items).toHaveLength(10);
  });

  it("refuses bad ids, bad filters and viewers with a clear 4xx", async () => {
    expect((await api("POST", "/api/proposals/prp_0000000000none/approve")).status).toBe(404);
    const bad = await api("POST", "/api/proposals/not-an-id/approve");
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toContain("a proposal id looks like");
    expect((await api("GET", "/api/proposals?status=maybe")).status).toBe(422);
    expect((await api("GET", "/api/proposals?limit=0")).status).toBe(422);
    const viewer = await apiToken("viewer");
    expect((await api("GET", "/api/proposals", { token: viewer })).status).toBe(403);
  });
});
