import { describe, expect, it } from "vitest";
import { HealerRetryMeta, ProposalEntryData } from "@deskfleet/protocol";
import { healerRetryMeta, proposalEntryData } from "@deskfleet/web/approval-entries";
import { decide, entryData, expire, openProposal, withOutcome } from "../../durable-objects/supervisor/proposal-ledger.ts";
import type { ProposalDraft } from "../../domain/supervisor/approvals/draft.ts";

// The dashboard reads proposal entries and a retry's sourceMeta with small hand-written checks
// (zod would weigh on its first screen); here they must read exactly what the producers write.

const draft: ProposalDraft = { tool: "create_task", input: { prompt: "Register Mallory", desktopId: "vm-1" }, effect: { class: "tasks" }, why: "it followed tool results" };
const made = openProposal(draft, { conversationId: "dash:c1", kind: "dash", taskId: null, requestedBy: "supervisor:dash:c1" }, 1_800_000_000_000, 60_000);

describe("proposal entries, as SupervisorDO writes them and the dashboard reads them", () => {
  it("reads a new proposal's entry as written", () => {
    const data = entryData(made, "toolu_1");
    expect(ProposalEntryData.parse(data)).toEqual(data);
    expect(proposalEntryData(JSON.parse(JSON.stringify(data)))).toEqual(data);
  });

  it("reads each decision's entry as written, a failed approval's error included", () => {
    const approved = decide(made, { approve: true, by: "Ada", via: "dashboard" }, 1_800_000_000_500);
    if (!("ok" in approved)) throw new Error("not approved");
    const outcomes = [
      withOutcome(approved.ok, { result: '{"created":{"id":"tsk_0000000000abcdef"}}' }),
      withOutcome(approved.ok, { error: { code: "unknown_desktop", message: "desktop `vm-1` does not exist" } }),
      expire(made, 1_800_000_060_000)!,
    ];
    for (const p of outcomes) {
      const data = entryData(p, null);
      expect(proposalEntryData(JSON.parse(JSON.stringify(data)))).toEqual(ProposalEntryData.parse(data));
    }
  });

  it("ignores entries that are not proposals", () => {
    expect(proposalEntryData({ name: "create_task", isError: false })).toBeNull();
    expect(proposalEntryData(null)).toBeNull();
  });
});

describe("a healer retry's sourceMeta", () => {
  it("is read the way the protocol's schema reads it, with or without an approval", () => {
    const own = { retryOf: "tsk_0000000000root01", healerTaskId: "tsk_0000000000heal01", reason: "a dialog covered the button" };
    const approved = { ...own, proposalId: "prp_0000000000abcdef", approvedBy: "Ada" };
    // The retry keeps the failed task's own sourceMeta too (a scheduled run's slot and prompt version).
    for (const meta of [own, approved, { ...own, slot: null, promptVersion: 2, trigger: "cron" }]) expect(healerRetryMeta(meta)).toEqual(HealerRetryMeta.parse(meta));
    expect(healerRetryMeta({ conversationId: "dash:x" })).toBeNull();
  });
});
