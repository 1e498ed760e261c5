import type { Task, TaskEvent } from "@deskfleet/protocol";
import { SECRET_ANSWER_LABEL } from "@deskfleet/protocol";
import { getTaskRow, toTask } from "../../db/tasks.ts";
import { getSchedule } from "../../db/schedules.ts";
import { lastEvents } from "../../db/task-chains.ts";
import { listHelpRequests, toHelpRequest } from "../../db/help-requests.ts";
import { maxHealingRetries } from "./healing-policy.ts";
import { BRIEF_EVENTS, healBrief, learnBrief } from "./prompts.ts";
import type { JobOutcome } from "./loop.ts";
import type { JobState } from "./tools/tool.ts";

async function task(env: Env, id: unknown): Promise<Task | null> {
  if (typeof id !== "string") return null;
  const row = await getTaskRow(env.DB, id);
  return row ? toTask(row) : null;
}

/** The first message of a healer or optimizer conversation, or why the job cannot start. */
export async function jobBrief(env: Env, job: JobState): Promise<{ brief: string } | { error: string }> {
  const own = await task(env, job.taskId);
  if (!own) return { error: `task ${job.taskId} does not exist` };
  if (job.kind === "heal") {
    const failed = await task(env, own.sourceMeta?.["failedTaskId"]);
    if (!failed) return { error: "the failed task this healer was started for does not exist" };
    return { brief: healBrief(failed, withoutSecretAnswers(await lastEvents(env.DB, failed.id, BRIEF_EVENTS)), maxHealingRetries(env.DESKFLEET_SELF_HEALING_MAX_RETRIES)) };
  }
  const run = await task(env, own.sourceMeta?.["runTaskId"]);
  const scheduleId = own.sourceMeta?.["scheduleId"];
  const schedule = typeof scheduleId === "string" ? await getSchedule(env.DB, scheduleId) : null;
  if (!run || !schedule) return { error: "the scheduled run or its schedule no longer exists" };
  const version = typeof own.sourceMeta?.["promptVersion"] === "number" ? (own.sourceMeta["promptVersion"] as number) : schedule.promptVersion;
  // Secret answers never reach the optimizer or the healer, not even as their placeholder.
  const answers = (await listHelpRequests(env.DB, { taskId: run.id, limit: 50 })).map(toHelpRequest).filter((h) => !h.secret);
  let brief = learnBrief(run, schedule.name, version, withoutSecretAnswers(await lastEvents(env.DB, run.id, BRIEF_EVENTS)));
  // Every answer a person gave, even ones older than the transcript's last 50 events.
  if (answers.length > 0) {
    brief += `\n\n<help_answers>\n${answers.map((h) => `Q: ${h.question}\nA (${h.status}): ${h.answer ?? "(no answer)"}`).join("\n\n")}\n</help_answers>`;
  }
  return { brief };
}

function withoutSecretAnswers(events: TaskEvent[]): TaskEvent[] {
  return events.filter((e) => !(e.kind === "help_answer" && e.data.answer === SECRET_ANSWER_LABEL));
}

/** What the job proposed instead of doing, for its result: "Proposed retry_task as prp_… (waiting for a person's approval)." */
function proposedText(job: JobState): string | null {
  const ps = job.proposals ?? [];
  if (ps.length === 0) return null;
  return `Proposed ${ps.map((p) => `${p.tool} as ${p.id}`).join(", ")} (waiting for a person's approval).`;
}

/** How a finished job shows as its task's outcome. */
export function jobResult(job: JobState, outcome: JobOutcome): { status: "completed"; result: string } | { status: "failed"; error: { code: string; message: string } } {
  const proposed = proposedText(job);
  if (!outcome.ok) {
    // A retry already started (or proposed) stands even if the conversation broke afterwards.
    if (job.retryTaskId) return { status: "completed", result: `Retried as task ${job.retryTaskId}: ${job.summary ?? ""}`.trim() };
    if (job.savedPromptVersion !== null) return { status: "completed", result: `Saved prompt v${job.savedPromptVersion}: ${job.summary ?? ""}`.trim() };
    if (proposed) return { status: "completed", result: proposed };
    return { status: "failed", error: { code: outcome.code, message: outcome.message } };
  }
  const said = outcome.text || null;
  if (job.kind === "heal") {
    if (job.retryTaskId) return { status: "completed", result: [`Retried as task ${job.retryTaskId}.`, said ?? job.summary].filter(Boolean).join("\n\n") };
    if (proposed) return { status: "completed", result: [proposed, said].filter(Boolean).join("\n\n") };
    return { status: "completed", result: said ?? "The healer did not retry and gave no explanation." };
  }
  if (job.savedPromptVersion !== null) return { status: "completed", result: [`Saved prompt v${job.savedPromptVersion}.`, said ?? job.summary].filter(Boolean).join("\n\n") };
  if (proposed) return { status: "completed", result: [proposed, said].filter(Boolean).join("\n\n") };
  return { status: "completed", result: said ? `Kept the prompt. ${said}` : "Kept the prompt." };
}
