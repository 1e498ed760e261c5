import { describe, expect, it } from "vitest";
import type { TaskEvent } from "@deskfleet/protocol";
import { jobResult } from "./job-brief.ts";
import { transcriptLines } from "./prompts.ts";
import type { JobState } from "./tools/tool.ts";

const event = (seq: number, text: string): TaskEvent => ({ taskId: "tsk_0000000000aaaa", seq, kind: "assistant_text", source: "host", hostSeq: seq, data: { text, step: seq }, at: 1_700_000_000_000 + seq });
const heal = (over: Partial<JobState> = {}): JobState => ({ kind: "heal", taskId: "tsk_0000000000heal", prepared: true, retryTaskId: null, savedPromptVersion: null, summary: null, ...over });

describe("a job's brief and result", () => {
  it("gives the last 50 transcript entries, each cut to 2,000 characters", () => {
    const events = Array.from({ length: 80 }, (_, i) => event(i + 1, i === 79 ? "x".repeat(5_000) : `step ${i + 1}`));
    const lines = transcriptLines(events).split("\n");
    expect(lines).toHaveLength(50);
    expect(lines[0]).toContain("#31 ");
    expect(lines[49]).toContain("more characters cut");
    expect(lines[49]!.length).toBeLessThan(2_200);
  });

  it("reports a healer that retried as completed with the retry's id, and one that explained as completed with the explanation", () => {
    expect(jobResult(heal({ retryTaskId: "tsk_0000000000next", summary: "scroll first" }), { ok: true, text: "Retried." })).toEqual({
      status: "completed",
      result: "Retried as task tsk_0000000000next.\n\nRetried.",
    });
    expect(jobResult(heal(), { ok: true, text: "The site is down; retrying cannot help." })).toEqual({ status: "completed", result: "The site is down; retrying cannot help." });
  });

  it("fails the job's task when the model failed before anything was done, but keeps a retry that was already started", () => {
    const failure = { ok: false as const, code: "model_failed", message: "the supervisor's model call failed: overloaded" };
    expect(jobResult(heal(), failure)).toEqual({ status: "failed", error: { code: "model_failed", message: failure.message } });
    expect(jobResult(heal({ retryTaskId: "tsk_0000000000next", summary: "scroll first" }), failure)).toEqual({ status: "completed", result: "Retried as task tsk_0000000000next: scroll first" });
  });

  it("reports an optimizer that saved a version, and one that kept the prompt", () => {
    const learn = { ...heal(), kind: "learn" as const };
    expect(jobResult({ ...learn, savedPromptVersion: 3, summary: "use the ops account" }, { ok: true, text: "" })).toEqual({ status: "completed", result: "Saved prompt v3.\n\nuse the ops account" });
    expect(jobResult(learn, { ok: true, text: "It is already precise." })).toEqual({ status: "completed", result: "Kept the prompt. It is already precise." });
  });
});
