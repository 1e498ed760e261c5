import type { HelpRequestEventData, HelpRequestStatus } from "@deskfleet/protocol";
import { SECRET_ANSWER_LABEL } from "@deskfleet/protocol";
import type { HelpRow } from "../../db/help-requests.ts";

export const DEFAULT_HELP_TIMEOUT_MS = 30 * 60_000;
const MAX_HELP_TIMEOUT_MS = 24 * 60 * 60_000;

export type Resolution = { status: Exclude<HelpRequestStatus, "open">; answer: string | null; by: string; via: string };

export function openRequest(taskId: string, desktopId: string | null, data: HelpRequestEventData, screenshotKey: string | null, now: number, defaultTimeoutMs: number): HelpRow {
  const timeout = Math.min(data.timeoutMs ?? defaultTimeoutMs, MAX_HELP_TIMEOUT_MS);
  return {
    id: data.requestId,
    taskId,
    desktopId,
    question: data.question,
    options: data.options ?? null,
    secret: data.secret ?? false,
    status: "open",
    answer: null,
    answeredBy: null,
    answeredVia: null,
    screenshotKey,
    createdAt: now,
    expiresAt: now + timeout,
    resolvedAt: null,
  };
}

/**
 * First answer wins: resolving a request that is no longer open is refused
 * with who resolved it and when, so the late channel can say so. A secret
 * question's answer is recorded as `[secret answer]`: the answer itself
 * goes only to the host (sealed while it waits for delivery).
 */
export function resolve(req: HelpRow, r: Resolution, now: number): { ok: HelpRow } | { alreadyResolved: string } {
  if (req.status !== "open") {
    const when = req.resolvedAt ? new Date(req.resolvedAt).toISOString() : "earlier";
    const who = req.status === "timed_out" ? "it timed out" : `${req.status} by ${req.answeredBy ?? "someone"} via ${req.answeredVia ?? "?"}`;
    return { alreadyResolved: `this help request was already resolved (${who}, at ${when})` };
  }
  const answer = req.secret && r.answer !== null ? SECRET_ANSWER_LABEL : r.answer;
  return { ok: { ...req, status: r.status, answer, answeredBy: r.by, answeredVia: r.via, resolvedAt: now } };
}

export const helpDeadline = (id: string) => `help:${id}`;
export const isHelpDeadline = (name: string) => name.startsWith("help:");
export const helpIdOf = (name: string) => name.slice(5);
