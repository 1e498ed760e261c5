import { APPROVAL_CLASSES, type ApprovalClass } from "@deskfleet/protocol";
import { envNumber } from "../../addresses.ts";

export const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60_000;

const ALL: ReadonlySet<ApprovalClass> = new Set(APPROVAL_CLASSES);
const isClass = (s: string): s is ApprovalClass => (APPROVAL_CLASSES as readonly string[]).includes(s);

/**
 * `DESKFLEET_APPROVALS`: the classes of writes that need a person's approval
 * when no person asked for them — a comma-separated list of `tasks`,
 * `desktop_input`, `schedules`, `help_answers`, or `all`, or `none`. Unset,
 * empty or not understood means all of them: a typo must not turn safety off.
 */
export function requiredApprovals(raw: string | undefined): { classes: ReadonlySet<ApprovalClass>; problem: string | null } {
  const words = (raw ?? "").split(/[\s,]+/).map((w) => w.trim().toLowerCase()).filter(Boolean);
  if (words.length === 0 || (words.length === 1 && words[0] === "all")) return { classes: ALL, problem: null };
  if (words.length === 1 && words[0] === "none") return { classes: new Set(), problem: null };
  const unknown = words.filter((w) => !isClass(w));
  if (unknown.length > 0) {
    return {
      classes: ALL,
      problem: `DESKFLEET_APPROVALS has ${unknown.map((w) => `\`${w}\``).join(", ")}, which is not one of ${APPROVAL_CLASSES.join(", ")}, all or none; every class needs approval until it is fixed`,
    };
  }
  return { classes: new Set(words.filter(isClass)), problem: null };
}

let reported: string | null = null;

/** The deployment's classes; a value not understood is reported once per isolate. */
export function approvalClasses(env: Env): ReadonlySet<ApprovalClass> {
  const { classes, problem } = requiredApprovals(env.DESKFLEET_APPROVALS);
  if (problem && problem !== reported) {
    reported = problem;
    console.warn(problem);
  }
  return classes;
}

/** `DESKFLEET_APPROVAL_TIMEOUT_MS`: a proposal nobody decided expires after this long (default 1 hour). */
export const approvalTimeoutMs = (env: Env): number => envNumber(env.DESKFLEET_APPROVAL_TIMEOUT_MS, DEFAULT_APPROVAL_TIMEOUT_MS);
