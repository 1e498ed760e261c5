import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { ProposalsView } from "./ProposalsView.tsx";
import { Providers } from "../test/providers.tsx";
import { fail, fakeApi, ok } from "../test/fake-api.ts";
import { proposal } from "../test/fixtures.ts";

const rewrite = proposal({
  id: "prp_0000000000rewrite001",
  actionClass: "prompt_rewrites",
  tool: "save_prompt_version",
  input: { prompt: "Export the report as PDF from the Reports tab.", reason: "the export is under Reports" },
  summary: "Save a new prompt version for the schedule: “the export is under Reports”",
  why: 'the schedule\'s selfLearning is "propose", so a rewrite of its prompt waits for a person',
  reason: "the export is under Reports",
  diff: { before: "Export the report.", after: "Export the report as PDF from the Reports tab." },
  conversationId: "learn:tsk_0000000000optimizer1",
  taskId: "tsk_0000000000optimizer1",
});

describe("ProposalsView", () => {
  it("shows what a waiting proposal would do, why it waits and its prompt diff, and approving it shows what it started", async () => {
    let decided = false;
    const started = "tsk_0000000000started001";
    const { calls } = fakeApi({
      "GET /api/proposals": () => ok({ items: decided ? [proposal({ status: "approved", decidedBy: "admin", decidedVia: "dashboard", decidedAt: 1_700_000_100_000, result: `{"created":{"id":"${started}"}}` }), rewrite] : [proposal(), rewrite] }),
      "POST /api/proposals/prp_0000000000aaaaaaaaaa/approve": () => {
        decided = true;
        return ok(proposal({ status: "approved" }));
      },
    });
    render(
      <Providers>
        <ProposalsView />
      </Providers>,
    );
    const waiting = await screen.findByRole("list", { name: "Waiting for approval" });
    const task = within(waiting).getByRole("article", { name: /Proposal: Start a task on desktop mac-studio/ });
    expect(task.textContent).toContain("after reading tool results");
    expect(task.textContent).toContain("from a dashboard chat");
    const change = within(waiting).getByLabelText("The proposed prompt change");
    expect(change.querySelector("ins")?.textContent).toContain("as PDF from the Reports tab.");
    expect(within(waiting).getByRole("article", { name: /Save a new prompt version/ }).textContent).toContain("The supervisor's reason: the export is under Reports");

    fireEvent.click(within(task).getByRole("button", { name: "Approve" }));
    const done = await screen.findByRole("list", { name: "Decided proposals" });
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/proposals/prp_0000000000aaaaaaaaaa/approve"]);
    expect(within(done).getByRole("status").textContent).toMatch(/Approved by admin via dashboard/);
    expect(within(done).getByRole("link", { name: started }).getAttribute("href")).toBe(`/tasks/${started}`);
    expect(within(screen.getByRole("list", { name: "Waiting for approval" })).getAllByRole("article")).toHaveLength(1);
  });

  it("says who decided first when an approval comes too late", async () => {
    fakeApi({
      "GET /api/proposals": () => ok({ items: [proposal()] }),
      "POST /api/proposals/prp_0000000000aaaaaaaaaa/reject": () => fail(409, "already_decided", "proposal prp_0000000000aaaaaaaaaa was already decided (approved by Ada via telegram, at 2026-01-01T00:00:00.000Z)"),
    });
    render(
      <Providers>
        <ProposalsView />
      </Providers>,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Reject" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("approved by Ada via telegram"));
  });

  it("tells a viewer approvals need the operator role, without asking the API", () => {
    const { calls } = fakeApi({});
    render(
      <Providers role="viewer">
        <ProposalsView />
      </Providers>,
    );
    expect(screen.getByText(/Approvals need the operator role/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(calls).toEqual([]);
  });
});
